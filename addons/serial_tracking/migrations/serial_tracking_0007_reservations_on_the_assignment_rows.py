"""reservations on the assignment rows: a unit reserved by a pending move is marked on its
move_line_serials row (one open reservation per unit, by a partial unique index) instead of on the
serial, so that assigning units to a delivery no longer rewrites them

Revision ID: serial_tracking_0007
Revises: serial_tracking_0006
Create Date: 2026-11-30 13:16:09.930618
"""
from alembic import op
import sqlalchemy as sa


revision = 'serial_tracking_0007'
down_revision = 'serial_tracking_0006'
branch_labels = None
depends_on = None

serials = sa.table('serials', sa.column('id', sa.Integer), sa.column('status', sa.String),
                   sa.column('reserved_by_move_id', sa.Integer))
assigned = sa.table('move_line_serials', sa.column('move_id', sa.Integer), sa.column('serial_id', sa.Integer),
                    sa.column('reserved', sa.Boolean))


def upgrade():
    with op.batch_alter_table('move_line_serials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reserved', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Each reservation moves to the row that assigned the unit to its move; the unit's own status
    # goes back to what it is without it (on_hand is now derived from the open reservation).
    op.execute(assigned.update().where(sa.exists().where(serials.c.id == assigned.c.serial_id,
                                                         serials.c.reserved_by_move_id == assigned.c.move_id))
               .values(reserved=sa.true()))
    op.execute(serials.update().where(serials.c.status == 'on_hand').values(status='available'))
    with op.batch_alter_table('move_line_serials', schema=None) as batch_op:
        batch_op.create_index('uq_move_line_serials_reserved_serial_id', ['serial_id'], unique=True,
                              sqlite_where=sa.text('reserved = 1'), postgresql_where=sa.text('reserved'))

    with op.batch_alter_table('serials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_serials_reserved_by_move_id'), sqlite_where=sa.text('reserved_by_move_id IS NOT NULL'))
        batch_op.drop_constraint(batch_op.f('fk_serials_reserved_by_move_id_stock_moves'), type_='foreignkey')
        batch_op.drop_column('reserved_by_move_id')
    _restore_name_index()


def _restore_name_index():
    """On SQLite a batch copies the table and keeps only the indexes it can read back, which leaves
    out the expression index on lower(name) that case-insensitive search runs on."""
    if op.get_bind().dialect.name == 'sqlite':
        op.create_index('ix_serials_name_lower', 'serials', [sa.text('lower(name)')], unique=False)


def downgrade():
    with op.batch_alter_table('serials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reserved_by_move_id', sa.INTEGER(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_serials_reserved_by_move_id_stock_moves'), 'stock_moves',
                                    ['reserved_by_move_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_serials_reserved_by_move_id'), ['reserved_by_move_id'], unique=False,
                              sqlite_where=sa.text('reserved_by_move_id IS NOT NULL'),
                              postgresql_where=sa.text('reserved_by_move_id IS NOT NULL'))
    _restore_name_index()
    reserver = (sa.select(assigned.c.move_id).where(assigned.c.serial_id == serials.c.id, assigned.c.reserved == sa.true())
                .scalar_subquery())
    op.execute(serials.update().where(reserver.is_not(None)).values(reserved_by_move_id=reserver, status='on_hand'))

    with op.batch_alter_table('move_line_serials', schema=None) as batch_op:
        batch_op.drop_index('uq_move_line_serials_reserved_serial_id', sqlite_where=sa.text('reserved = 1'),
                            postgresql_where=sa.text('reserved'))
        batch_op.drop_column('reserved')
