"""Great-circle distance between home and site, in kilometres (haversine)."""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in km between two points given in degrees (one pair, pure Python)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def haversine_km_many(
    lat: float,
    lon: float,
    site_lat_rad: np.ndarray,
    site_lon_rad: np.ndarray,
    site_cos_lat: np.ndarray,
) -> np.ndarray:
    """Distances in km from one point (degrees) to many sites (radians, cos(lat) precomputed)."""
    phi1 = math.radians(lat)
    half_dphi = (site_lat_rad - phi1) * 0.5
    half_dlambda = (site_lon_rad - math.radians(lon)) * 0.5
    a = np.sin(half_dphi) ** 2 + (math.cos(phi1) * site_cos_lat) * np.sin(half_dlambda) ** 2
    np.minimum(a, 1.0, out=a)
    return (2 * EARTH_RADIUS_KM) * np.arcsin(np.sqrt(a))
