"""Kota Suka Maju as data: its departments, units (counters, officers, hours, how good each
one is), its tablets, the demo accounts, and the rhythms of a working day. Nothing here
touches the database; ``demo.organisation`` and ``demo.ratings`` build from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.models import Role

CITY = "Kota Suka Maju"
MARKER_DEPARTMENT = "SM-DUKCAPIL"  # present ⇔ the demo was loaded
PASSWORD = "suara-demo-2026"  # noqa: S105 - published on purpose: demo accounts only
SEED = 2026
DAYS = 120

WEEKDAY_HOURS = {str(d): [["08:00", "15:30"]] for d in (1, 2, 3, 4)} | {
    "5": [["08:00", "11:30"], ["13:00", "16:00"]]  # Friday prayers
}
PUSKESMAS_HOURS = WEEKDAY_HOURS | {"6": [["08:00", "12:00"]]}
MPP_HOURS = {str(d): [["08:00", "16:00"]] for d in (1, 2, 3, 4)} | {
    "5": [["08:00", "11:30"], ["13:00", "16:00"]]
}

# How busy each weekday is (Monday queues, quiet Friday afternoons) and each hour.
WEEKDAY_LOAD = {1: 1.3, 2: 1.1, 3: 1.0, 4: 0.95, 5: 0.75, 6: 0.55, 7: 0.0}
HOUR_LOAD = {7: 0.3, 8: 0.9, 9: 1.5, 10: 1.6, 11: 1.2, 12: 0.55, 13: 0.8, 14: 0.8, 15: 0.45}

# Citywide pattern (context.md): waiting time and facilities weakest, fees strongest.
ELEMENT_OFFSET = {"U1": 0.05, "U2": 0.0, "U3": -0.38, "U4": 0.6, "U5": 0.05, "U6": 0.1,
                  "U7": 0.08, "U8": -0.08, "U9": -0.3}



@dataclass(frozen=True)
class OfficerSpec:
    name: str
    position: str
    nip: str | None = None  # YYYYMMDD YYYYMM G SSS
    employee_id: str | None = None
    skill: float = 0.0  # shifts the officer-attributable elements
    # "regular" rotates through the unit's counters; "new:N" joined N working days ago;
    # "relief:N" covered the unit's last counter on N days only.
    role: str = "regular"


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    department: str
    counters: tuple[tuple[str, str, float], ...]  # code, label, ratings a normal day
    officers: tuple[OfficerSpec, ...]
    quality: float  # the typical answer before element offsets
    services: tuple[str, ...]
    hours: dict = field(default_factory=lambda: WEEKDAY_HOURS)
    timezone: str = "Asia/Jakarta"
    population: int | None = None
    extra: dict = field(default_factory=dict)  # element → offset for this unit


DEPARTMENTS = (
    ("SM-DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil Kota Suka Maju"),
    ("SM-DINKES", "Dinas Kesehatan Kota Suka Maju"),
    ("SM-DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Suka Maju"),
    ("SM-KEC-UTARA", "Kecamatan Suka Maju Utara"),
)

UNITS = (
    UnitSpec(
        "DKC-KANTOR", "Kantor Disdukcapil Kota Suka Maju", "SM-DUKCAPIL",
        (("DKC-L1", "Loket 1 · KTP-el", 30), ("DKC-L2", "Loket 2 · Kartu Keluarga", 27),
         ("DKC-L3", "Loket 3 · Akta Kelahiran dan Kematian", 20),
         ("DKC-L4", "Loket 4 · Informasi dan Pengaduan", 10)),
        (OfficerSpec("Rina Wulandari, S.Kom.", "Petugas Loket KTP-el", nip="198805122011032004",
                     skill=0.1),
         OfficerSpec("Agus Setiawan", "Petugas Loket", nip="197911022005011007", skill=-0.15),
         OfficerSpec("Dewi Kartika Sari, S.E.", "Petugas Loket", nip="199007212015022001"),
         OfficerSpec("Bambang Hermawan", "Pengadministrasi Kependudukan",
                     nip="197504091999031002", skill=-0.05),
         OfficerSpec("Yusuf Maulana, A.Md.", "Petugas Loket", nip="199301302019061003",
                     skill=0.15),
         OfficerSpec("Fitri Handayani", "Petugas Informasi", nip="198609172010042005")),
        quality=3.3,
        services=("Perekaman KTP-el", "Cetak ulang KTP-el", "Kartu Keluarga baru",
                  "Perubahan Kartu Keluarga", "Akta kelahiran", "Akta kematian", "Pindah datang"),
        population=48000,
        extra={"U3": -0.2, "U9": -0.1},
    ),
    UnitSpec(
        "DKC-MPP", "Gerai Disdukcapil, Mal Pelayanan Publik Suka Maju", "SM-DUKCAPIL",
        (("DKC-MPP-1", "Gerai Dukcapil · Loket A", 15),
         ("DKC-MPP-2", "Gerai Dukcapil · Loket B", 12)),
        (OfficerSpec("Andi Pratama, S.Sos.", "Petugas Gerai", nip="199102142017011001",
                     skill=0.1),
         OfficerSpec("Nur Aisyah", "Petugas Gerai", nip="199412032020022002"),
         OfficerSpec("Fajar Nugroho", "Operator Gerai", nip="199006152014031008",
                     skill=-0.05)),
        quality=3.62,
        services=("Perekaman KTP-el", "Kartu Keluarga baru", "Akta kelahiran"),
        hours=MPP_HOURS,
        population=15000,
    ),
    UnitSpec(
        "PKM-SUKAMAJU", "Puskesmas Suka Maju", "SM-DINKES",
        (("PKM-SM-DAFTAR", "Loket Pendaftaran", 32), ("PKM-SM-UMUM", "Poli Umum", 18),
         ("PKM-SM-FARMASI", "Instalasi Farmasi", 15)),
        (OfficerSpec("Siti Rahmawati, A.Md.Keb.", "Petugas Pendaftaran",
                     nip="198908252014032003", skill=0.15),
         OfficerSpec("Hendra Gunawan, A.Md.Kep.", "Perawat", nip="198703112012011002"),
         OfficerSpec("apt. Maya Puspitasari, S.Farm.", "Apoteker", nip="199210052018022001",
                     skill=0.05),
         OfficerSpec("Ratna Sari Dewi", "Petugas Rekam Medis", nip="198406192009042004",
                     skill=-0.1),
         OfficerSpec("Eko Prasetyo", "Tenaga Honorer Pendaftaran", employee_id="HNR-DINKES-017",
                     skill=-0.05)),
        quality=3.42,
        services=("Pendaftaran pasien umum", "Pendaftaran pasien BPJS", "Pemeriksaan umum",
                  "Pengambilan obat", "Surat keterangan sehat"),
        hours=PUSKESMAS_HOURS,
        population=42000,
    ),
    UnitSpec(
        "PKM-MEKARSARI", "Puskesmas Mekarsari", "SM-DINKES",
        (("PKM-MS-DAFTAR", "Loket Pendaftaran", 16), ("PKM-MS-KIA", "Ruang KIA", 9)),
        (OfficerSpec("Lestari Anggraini, A.Md.Keb.", "Bidan", nip="199004022016032002"),
         OfficerSpec("Dimas Saputra", "Petugas Pendaftaran", nip="199508082021021001",
                     skill=-0.05),
         OfficerSpec("Bd. Sri Mulyani", "Bidan Koordinator", nip="198212122008032001",
                     role="relief:2")),
        quality=3.05,  # before the follow-up; see IMPROVING_UNIT
        services=("Pendaftaran pasien", "Pemeriksaan ibu hamil", "Imunisasi anak", "KB"),
        hours=PUSKESMAS_HOURS,
        population=23000,
    ),
    UnitSpec(
        "MPP-DPMPTSP", "Gerai DPMPTSP, Mal Pelayanan Publik Suka Maju", "SM-DPMPTSP",
        (("MPP-IZIN", "Loket Perizinan Berusaha (OSS)", 11), ("MPP-KONSUL", "Meja Konsultasi", 7),
         ("MPP-AMBIL", "Loket Pengambilan Dokumen", 7)),
        (OfficerSpec("Ahmad Fauzi, S.H.", "Analis Perizinan", nip="198501222010031005",
                     skill=0.1),
         OfficerSpec("Putri Ayu Lestari, S.E.", "Petugas Front Office", nip="199305302019012003",
                     skill=0.1),
         OfficerSpec("Rizky Ramadhan, S.T.", "Analis Perizinan", nip="199402272020011002"),
         OfficerSpec("Indah Permatasari, S.AP.", "Petugas Front Office",
                     nip="199111112015042001", role="new:2")),
        quality=3.78,
        services=("NIB dan perizinan berusaha", "Persetujuan Bangunan Gedung",
                  "Izin reklame", "Konsultasi perizinan"),
        hours=MPP_HOURS,
        population=9000,
        extra={"U3": 0.15, "U9": 0.25},
    ),
    UnitSpec(
        "KEC-SMU", "Kantor Kecamatan Suka Maju Utara", "SM-KEC-UTARA",
        (("KEC-SMU-UMUM", "Loket Pelayanan Umum", 9), ("KEC-SMU-PATEN", "Loket PATEN", 6)),
        (OfficerSpec("Suparman", "Pengadministrasi Umum", nip="197207071998031003",
                     skill=-0.1),
         OfficerSpec("Wahyuni, S.Sos.", "Kasi Pelayanan", nip="198303282007022002",
                     skill=0.05),
         OfficerSpec("Joko Susilo", "Pengadministrasi Umum", nip="198010102006011004")),
        quality=3.36,
        services=("Surat keterangan tidak mampu", "Rekomendasi izin keramaian",
                  "Legalisasi dokumen", "Surat keterangan ahli waris"),
        population=12000,
    ),
    UnitSpec(
        "KEL-PULAUMAJU", "Kantor Kelurahan Pulau Maju", "SM-KEC-UTARA",
        (("KEL-PM-1", "Loket Pelayanan", 7), ("KEL-PM-2", "Loket Informasi", 4)),
        (OfficerSpec("Muhammad Arif", "Pengadministrasi Kelurahan", nip="198812012013031002"),
         OfficerSpec("Nurul Hidayah", "Pengadministrasi Kelurahan", nip="199209092018032001",
                     skill=0.1)),
        quality=3.44,
        services=("Surat pengantar", "Surat keterangan domisili", "Surat keterangan usaha"),
        timezone="Asia/Makassar",  # an island across the strait keeps WITA
        population=4000,
        extra={"U9": -0.15},
    ),
)

# Tablets at the two busiest Disdukcapil counters: most citizens there rate on the tablet,
# some still scan the code.
KIOSKS = {"DKC-L1": "Tablet Loket 1 (KTP-el)", "DKC-L2": "Tablet Loket 2 (KK)"}
KIOSK_SHARE = 0.7

IMPROVING_UNIT = "PKM-MEKARSARI"
FOLLOW_UP_DAYS_AGO = 50  # when the waiting-room complaint was followed up
BURST_COUNTER = "KEC-SMU-UMUM"
BURST_DAYS_AGO = 18

USERS = (
    # username, display name, role, department code, unit code, officer name
    ("admin", "Administrator Suara Layanan", Role.ADMIN, None, None, None),
    ("kadis.kesehatan", "dr. Hartono Wibisono, M.Kes. (Kepala Dinas Kesehatan)", Role.HEAD,
     "SM-DINKES", None, None),
    ("kapus.sukamaju", "dr. Ani Suryani (Kepala Puskesmas Suka Maju)", Role.SUPERVISOR, None,
     "PKM-SUKAMAJU", None),
    ("petugas.siti", "Siti Rahmawati, A.Md.Keb.", Role.OFFICER, None, None,
     "Siti Rahmawati, A.Md.Keb."),
)


def minute_of_day(value: str) -> int:
    """``"08:30"`` → 510."""
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)
