"""product tracking in a table of this addon's own

Revision ID: serial_tracking_0004
Revises: serial_tracking_0003
Create Date: 2026-11-30 11:00:00

Release 1 added `tracking` and `warranty_months` to the core's products table, which made the
core's Product class depend on whether this addon was imported. They move to product_tracking,
one row per product, owned by this addon; the values are copied over before the columns go.
"""
import sqlalchemy as sa
from alembic import op

revision = 'serial_tracking_0004'
down_revision = 'serial_tracking_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_tracking',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('tracking', sa.String(length=8), server_default='none', nullable=False),
    sa.Column('warranty_months', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("tracking IN ('none', 'lot', 'serial')", name=op.f('ck_product_tracking_tracking')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_tracking_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_product_tracking'))
    )
    op.execute("INSERT INTO product_tracking (product_id, tracking, warranty_months) SELECT id, tracking, warranty_months FROM products")
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('warranty_months')
        batch_op.drop_column('tracking')


def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tracking', sa.String(length=8), server_default='none', nullable=False))
        batch_op.add_column(sa.Column('warranty_months', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE products SET tracking = (SELECT tracking FROM product_tracking WHERE product_id = products.id), "
               "warranty_months = (SELECT warranty_months FROM product_tracking WHERE product_id = products.id) "
               "WHERE id IN (SELECT product_id FROM product_tracking)")
    op.drop_table('product_tracking')
