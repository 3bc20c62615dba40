"""backorders, returns, corrections, counts; per-product serial rules

Revision ID: serial_tracking_0005
Revises: serial_tracking_0004
Create Date: 2026-11-30 10:19:33.083279

Moves remember what they come from (the move they take the rest of, the move they return or
correct, the count they apply) and why; a line validated with nothing assigned and the rest dropped
keeps quantity 0, so the check allows 0. Products get a serial pattern and an upper-case option.
"""
from alembic import op
import sqlalchemy as sa
import erp_core.database


revision = 'serial_tracking_0005'
down_revision = 'serial_tracking_0004'
branch_labels = None
depends_on = None


def upgrade():
    # Searches by name ignore case: the name index becomes an index of lower-case names.
    op.drop_index('ix_serials_name', table_name='serials')
    op.create_index('ix_serials_name_lower', 'serials', [sa.text('lower(name)')], unique=False)
    op.create_table('inventory_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', erp_core.database.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('applied_at', erp_core.database.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('open', 'applied', 'cancelled')", name=op.f('ck_inventory_counts_state')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_inventory_counts_created_by_id_users')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_inventory_counts_location_id_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inventory_counts')),
    sa.UniqueConstraint('reference', name=op.f('uq_inventory_counts_reference'))
    )
    with op.batch_alter_table('inventory_counts', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_counts_location_id', ['location_id'], unique=False)

    op.create_table('counted_serials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('serial_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['count_id'], ['inventory_counts.id'], name=op.f('fk_counted_serials_count_id_inventory_counts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_counted_serials_product_id_products')),
    sa.ForeignKeyConstraint(['serial_id'], ['serials.id'], name=op.f('fk_counted_serials_serial_id_serials')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counted_serials')),
    sa.UniqueConstraint('count_id', 'product_id', 'name', name=op.f('uq_counted_serials_count_id_product_id_name'))
    )
    with op.batch_alter_table('counted_serials', schema=None) as batch_op:
        batch_op.create_index('ix_counted_serials_count_id', ['count_id', 'id'], unique=False)

    with op.batch_alter_table('product_tracking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('serial_pattern', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('serial_uppercase', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('stock_move_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quantity_dropped', sa.Numeric(precision=16, scale=3), server_default='0', nullable=False))
        batch_op.drop_constraint(op.f('ck_stock_move_lines_quantity_positive'), type_='check')
        batch_op.create_check_constraint(op.f('ck_stock_move_lines_quantity_not_negative'), 'quantity >= 0')

    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backorder_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('origin_move_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('count_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.String(length=500), nullable=True))
        batch_op.create_index('ix_stock_moves_backorder_of_id', ['backorder_of_id'], unique=False)
        batch_op.create_index('ix_stock_moves_origin_move_id', ['origin_move_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stock_moves_backorder_of_id_stock_moves'), 'stock_moves', ['backorder_of_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_stock_moves_count_id_inventory_counts'), 'inventory_counts', ['count_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_stock_moves_origin_move_id_stock_moves'), 'stock_moves', ['origin_move_id'], ['id'])



def downgrade():
    op.drop_index('ix_serials_name_lower', table_name='serials')
    op.create_index('ix_serials_name', 'serials', ['name'], unique=False)
    with op.batch_alter_table('stock_moves', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stock_moves_origin_move_id_stock_moves'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_stock_moves_count_id_inventory_counts'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_stock_moves_backorder_of_id_stock_moves'), type_='foreignkey')
        batch_op.drop_index('ix_stock_moves_origin_move_id')
        batch_op.drop_index('ix_stock_moves_backorder_of_id')
        batch_op.drop_column('reason')
        batch_op.drop_column('count_id')
        batch_op.drop_column('origin_move_id')
        batch_op.drop_column('backorder_of_id')

    with op.batch_alter_table('stock_move_lines', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_stock_move_lines_quantity_not_negative'), type_='check')
        batch_op.create_check_constraint(op.f('ck_stock_move_lines_quantity_positive'), 'quantity > 0')
        batch_op.drop_column('quantity_dropped')

    with op.batch_alter_table('product_tracking', schema=None) as batch_op:
        batch_op.drop_column('serial_uppercase')
        batch_op.drop_column('serial_pattern')

    with op.batch_alter_table('counted_serials', schema=None) as batch_op:
        batch_op.drop_index('ix_counted_serials_count_id')

    op.drop_table('counted_serials')
    with op.batch_alter_table('inventory_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_inventory_counts_location_id')

    op.drop_table('inventory_counts')
