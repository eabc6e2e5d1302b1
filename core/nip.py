"""NIP: the 18-digit nomor induk pegawai of a PNS — birth date YYYYMMDD, appointment YYYYMM,
gender (1 male, 2 female), a 3-digit sequence. Example: 198503142010012003."""

from __future__ import annotations

import re
from datetime import date

NIP_SHAPE = re.compile(r"^\d{18}$")


class InvalidNIP(ValueError):
    pass


def normalise(value: str) -> str:
    """NIPs are often written with spaces or dots (1985 0314 2010 01 2 003)."""
    return re.sub(r"[\s.\-]", "", value or "")


def validate_nip(value: str) -> str:
    nip = normalise(value)
    if not NIP_SHAPE.match(nip):
        raise InvalidNIP("NIP harus 18 angka.")
    try:
        birth = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        raise InvalidNIP("8 angka pertama NIP bukan tanggal lahir yang sah.") from None
    appointed_year, appointed_month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= appointed_month <= 12 or appointed_year < birth.year + 15:
        raise InvalidNIP("Angka ke-9 sampai ke-14 NIP bukan bulan pengangkatan yang sah.")
    if nip[14] not in "12":
        raise InvalidNIP("Angka ke-15 NIP (jenis kelamin) harus 1 atau 2.")
    return nip
