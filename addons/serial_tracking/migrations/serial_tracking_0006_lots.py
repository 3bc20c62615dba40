"""lots: batches counted in quantities, with an expiry date; the lots of move lines; stock per lot and location

Revision ID: serial_tracking_0006
Revises: serial_tracking_0005
Create Date: 2026-11-30 10:38:05.294677
"""
from alembic import op
import sqlalchemy as sa
import erp_core.database


revision = 'serial_tracking_0006'
down_revision = 'serial_tracking_0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('created_at', erp_core.database.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('scope = 0 OR scope = product_id', name=op.f('ck_lots_scope')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_lots_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lots')),
    sa.UniqueConstraint('scope', 'name', name=op.f('uq_lots_scope_name'))
    )
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.create_index('ix_lots_product_id', ['product_id', 'expiry_date'], unique=False)

    op.create_table('lot_quants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=16, scale=3), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_lot_quants_location_id_locations')),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_lot_quants_lot_id_lots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lot_quants')),
    sa.UniqueConstraint('lot_id', 'location_id', name=op.f('uq_lot_quants_lot_id_location_id'))
    )
    with op.batch_alter_table('lot_quants', schema=None) as batch_op:
        batch_op.create_index('ix_lot_quants_location_id', ['location_id'], unique=False)

    op.create_table('move_line_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('move_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=16, scale=3), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('expiry_override', sa.String(length=500), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_move_line_lots_quantity_positive')),
    sa.ForeignKeyConstraint(['line_id'], ['stock_move_lines.id'], name=op.f('fk_move_line_lots_line_id_stock_move_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lot_id'], ['lots.id'], name=op.f('fk_move_line_lots_lot_id_lots')),
    sa.ForeignKeyConstraint(['move_id'], ['stock_moves.id'], name=op.f('fk_move_line_lots_move_id_stock_moves'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_move_line_lots_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_move_line_lots')),
    sa.UniqueConstraint('line_id', 'scope', 'name', name=op.f('uq_move_line_lots_line_id_scope_name'))
    )
    with op.batch_alter_table('move_line_lots', schema=None) as batch_op:
        batch_op.create_index('ix_move_line_lots_lot_id', ['lot_id'], unique=False)
        batch_op.create_index('ix_move_line_lots_move_id', ['move_id'], unique=False)



def downgrade():
    with op.batch_alter_table('move_line_lots', schema=None) as batch_op:
        batch_op.drop_index('ix_move_line_lots_move_id')
        batch_op.drop_index('ix_move_line_lots_lot_id')

    op.drop_table('move_line_lots')
    with op.batch_alter_table('lot_quants', schema=None) as batch_op:
        batch_op.drop_index('ix_lot_quants_location_id')

    op.drop_table('lot_quants')
    with op.batch_alter_table('lots', schema=None) as batch_op:
        batch_op.drop_index('ix_lots_product_id')

    op.drop_table('lots')
