"""Locations, stock moves and their lines, serial numbers, the serials assigned to a pending move,
each unit's history, the quantities of products that are not serial-tracked, and the tracking
settings this addon adds to products (a table of its own, one row per product)."""
from .counts import CountedSerial, CountState, InventoryCount
from .locations import Location, LocationUsage
from .lots import Lot, LotQuant, MoveLineLot
from .moves import REASON_MAX, MoveLineSerial, MoveState, MoveType, StockMove, StockMoveLine
from .products import ProductTracking, Tracking
from .serials import SERIAL_NAME_MAX, Serial, SerialHistory, SerialStatus
from .stock import StockQuant

__all__ = ["Lot", "LotQuant", "MoveLineLot", "CountState", "CountedSerial", "InventoryCount", "REASON_MAX", "Location", "LocationUsage", "MoveLineSerial", "MoveState", "MoveType", "ProductTracking", "SERIAL_NAME_MAX",
           "Serial", "SerialHistory", "SerialStatus", "StockMove", "StockMoveLine", "StockQuant", "Tracking"]
