"""Cleaners of coordinates: plausible latitude and longitude for a listing's state."""

import math

from pipeline.clean.text import ascii_digits, plain_text, quoted

#: Boxes (south, north, west, east) in degrees around the states and territories outside the
#: contiguous US, with a margin. They only tell a plausible point from a swapped or sign-lost one,
#: never check an address; every other state gets the contiguous-US box.
_CONTIGUOUS_US = ((24.0, 50.0, -125.5, -66.5),)
_REGIONS: dict[str, tuple[tuple[float, float, float, float], ...]] = {
    # The Aleutians cross the antimeridian.
    "AK": ((51.0, 72.0, -180.0, -129.5), (51.0, 53.5, 172.0, 180.0)),
    # The Northwestern Hawaiian Islands reach Kure Atoll, near 178.3 W.
    "HI": ((18.5, 29.0, -178.5, -154.5),),
    "PR": ((17.5, 18.8, -68.0, -65.0),),
    "VI": ((17.5, 18.6, -65.2, -64.4),),
    "GU": ((13.1, 13.8, 144.5, 145.1),),
    "MP": ((14.0, 20.7, 144.8, 146.2),),
    "AS": ((-14.8, -10.8, -171.3, -168.0),),
    "FM": ((0.8, 10.2, 137.2, 163.2),),
    "MH": ((4.4, 14.8, 160.6, 172.3),),
    "PW": ((2.7, 8.3, 131.0, 134.9),),
}


def _in_region(latitude: float, longitude: float, state: str | None) -> bool:
    boxes = _REGIONS.get(state or "", _CONTIGUOUS_US)
    return any(s <= latitude <= n and w <= longitude <= e for s, n, w, e in boxes)


def check_coordinates(
    latitude: float, longitude: float, state: str | None
) -> tuple[float | None, float | None, list[str]]:
    """Coordinates that are plausible for a listing in `state`, and warnings; both or neither.

    Points outside the state's region are a data-entry slip more often than a facility abroad:
    latitude and longitude swapped (lat -78, lon 38 for Virginia) are read back, a longitude
    that lost its minus sign gets it back, both with a warning; anything else is dropped with a
    warning. NaN, infinities, out-of-range values and (0, 0) are dropped. Without a state only
    the ranges are checked.
    """
    shown = f"({latitude:g}, {longitude:g})"
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None, None, [f"coordinates {shown} are out of range; dropped"]
    if latitude == 0 and longitude == 0:
        # 0,0 is in the Gulf of Guinea: a placeholder, not a US facility.
        return None, None, ["coordinates (0, 0) are a placeholder; dropped"]
    in_range = -90 <= latitude <= 90 and -180 <= longitude <= 180
    if state is None or (in_range and _in_region(latitude, longitude, state)):
        if not in_range:
            return None, None, [f"coordinates {shown} are out of range; dropped"]
        return latitude, longitude, []
    if _in_region(longitude, latitude, state):
        return longitude, latitude, [f"coordinates {shown} are swapped; read as ({longitude:g}, {latitude:g})"]
    if longitude > 0 and _in_region(latitude, -longitude, state):
        return latitude, -longitude, [f"longitude {longitude:g} lacks its minus sign; read as {-longitude:g}"]
    if not in_range:
        return None, None, [f"coordinates {shown} are out of range; dropped"]
    return None, None, [f"coordinates {shown} are not in {state}; dropped"]


def clean_coordinates(
    latitude: str | None, longitude: str | None, state: str | None
) -> tuple[float | None, float | None, list[str]]:
    """Coordinates from their texts, checked with `check_coordinates`; both or neither (one alone places nothing)."""
    lat_text, lon_text = (ascii_digits(t) if t else t for t in (plain_text(latitude), plain_text(longitude)))
    if lat_text is None and lon_text is None:
        return None, None, []
    try:
        lat, lon = float(lat_text or ""), float(lon_text or "")
    except ValueError:
        return None, None, [f"coordinates ({quoted(lat_text)}, {quoted(lon_text)}) are not numbers; dropped"]
    return check_coordinates(lat, lon, state)
