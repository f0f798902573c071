"""replika: Kota Bandung's shared e-Government apps, packaged for any Indonesian region."""

__version__ = "0.1.0"
