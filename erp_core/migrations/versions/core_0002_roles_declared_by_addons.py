"""roles declared by addons: no fixed list in the users table

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-30 10:30:00

The roles are declared by the core and each addon (erp_roles hook), so the database cannot know
them: the CHECK constraint release 1 made goes, and the service checks a role against the loaded
addons' roles instead. Databases made since then never had it.
"""
import sqlalchemy as sa
from alembic import op

revision = 'core_0002'
down_revision = 'core_0001'
branch_labels = None
depends_on = None


def upgrade():
    checks = {check["name"] for check in sa.inspect(op.get_bind()).get_check_constraints("users")}
    if "ck_users_role" in checks:
        with op.batch_alter_table('users', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_users_role'), type_='check')


def downgrade():
    pass  # the roles of the loaded addons are not the database's to know
