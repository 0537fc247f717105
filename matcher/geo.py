"""Great-circle distance between home and site, in kilometres (haversine)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in km between two points given in degrees (one pair, pure Python)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


@dataclass(frozen=True, slots=True)
class Sites:
    """Many sites with their half-angle sines and cosines precomputed once.

    With them, ``sin((phi2 - phi1) / 2) = sin(phi2/2) cos(phi1/2) - cos(phi2/2) sin(phi1/2)``
    needs no trigonometry per site and per request; only the final ``arcsin`` remains.
    The difference of products loses no more precision than the difference of angles
    (errors stay relative to the half-angle, about 1e-12 km), unlike ``1 - cos``.
    """

    sin_half_lat: np.ndarray
    cos_half_lat: np.ndarray
    sin_half_lon: np.ndarray
    cos_half_lon: np.ndarray
    cos_lat: np.ndarray

    @classmethod
    def from_degrees(cls, lat: np.ndarray, lon: np.ndarray) -> Sites:
        half_lat, half_lon = np.radians(lat) / 2, np.radians(lon) / 2
        arrays = (
            np.sin(half_lat),
            np.cos(half_lat),
            np.sin(half_lon),
            np.cos(half_lon),
            np.cos(2 * half_lat),
        )
        for array in arrays:
            array.setflags(write=False)
        return cls(*arrays)

    def take(self, rows: np.ndarray | slice) -> Sites:
        return Sites(*(getattr(self, name)[rows] for name in self.__slots__))

    def km_from(self, lat: float, lon: float) -> np.ndarray:
        """Haversine distances in km from one point (degrees) to every site."""
        half_lat, half_lon = math.radians(lat) / 2, math.radians(lon) / 2
        sin_dphi = self.sin_half_lat * math.cos(half_lat) - self.cos_half_lat * math.sin(half_lat)
        sin_dlambda = self.sin_half_lon * math.cos(half_lon) - self.cos_half_lon * math.sin(
            half_lon
        )
        sin_dphi *= sin_dphi
        sin_dlambda *= sin_dlambda
        sin_dlambda *= self.cos_lat
        sin_dlambda *= math.cos(2 * half_lat)
        a = sin_dphi
        a += sin_dlambda
        np.minimum(a, 1.0, out=a)
        np.sqrt(a, out=a)
        np.arcsin(a, out=a)
        a *= 2 * EARTH_RADIUS_KM
        return a
