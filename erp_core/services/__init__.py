"""Rules of the shared master data, one module per concept; callers import them from here.
Services never commit: the caller (API request, web action, CLI command) runs each business
action in one transaction and commits or rolls back as a whole."""
from .lookup import get_or_404
from .partners import create_partner, search_partners, update_partner
from .products import create_product, search_products, update_product
from .sequences import next_sequence_value
from .users import (
                    User,
                    authenticate,
                    create_token,
                    create_user,
                    generate_password,
                    get_user_by_name,
                    set_password,
                    user_for_token,
)

__all__ = [
    "User", "authenticate", "create_partner", "create_product", "create_token", "create_user", "generate_password",
    "get_or_404", "get_user_by_name", "next_sequence_value", "search_partners", "search_products", "set_password",
    "update_partner", "update_product", "user_for_token",
]
