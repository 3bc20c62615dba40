"""The printable delivery slip of a delivery: the paper that travels with the goods."""
from __future__ import annotations

from flask import render_template

from .. import services
from ..models import LocationUsage
from . import bp


@bp.route("/moves/<int:move_id>/delivery-slip")
def delivery_slip(move_id: int):
    slip = services.delivery_slip(services.get_move(move_id))
    return render_template("serial_tracking/delivery_slip.html", slip=slip,
                           to_customer=slip.move.dest_location.usage == LocationUsage.CUSTOMER)
