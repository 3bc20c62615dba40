"""Rules of the shared master data, one module per concept; callers import them from here.
Services never commit: the caller (API request, web action, CLI command) runs each business
action in one transaction and commits or rolls back as a whole."""
from .lookup import get_or_404
from .partners import PARTNER_SORTING, create_partner, search_partners, update_partner
from .products import PRODUCT_SORTING, create_product, search_products, update_product
from .sequences import next_sequence_value
from .users import (TooManyAttempts, User, authenticate, create_token, create_user, deactivate_user, end_session,
                    generate_password, get_user, get_user_by_name, revoke_token, revoke_tokens, session_user, set_password,
                    start_session, update_user, user_for_token, users_stmt)

__all__ = [
    "PARTNER_SORTING", "PRODUCT_SORTING", "TooManyAttempts", "User", "authenticate", "create_partner", "create_product", "create_token", "create_user",
    "deactivate_user", "end_session", "generate_password", "get_or_404", "get_user", "get_user_by_name", "next_sequence_value",
    "revoke_token", "revoke_tokens", "search_partners", "search_products", "session_user", "set_password", "start_session",
    "update_partner", "update_product", "update_user", "user_for_token", "users_stmt",
]
