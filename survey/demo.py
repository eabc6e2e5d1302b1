"""The demo city, Kota Suka Maju: four departments, seven service units, their counters and
officers, four months of shifts and citizens' ratings that look like the real thing (weekday
and hour-of-day rhythms, most units in category B, U3 and U9 weakest, U4 strongest, a unit
that improved after a complaint was followed up, a counter with a suspicious burst), and one
account for every role. ``load`` is idempotent: a second run finds the demo and changes
nothing.

The numbers are drawn from a seeded generator, so every machine gets the same city.
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth import hash_password
from core.models import (
    Counter,
    Department,
    Officer,
    Role,
    Shift,
    Unit,
    User,
    utcnow,
)
from core.nip import validate_nip
from core.workdays import holidays_between
from kiosk.models import KioskDevice  # the demo spans the areas (it is moving to demo/)
from survey.elements import ELEMENT_CODES, OFFICER_ELEMENTS
from survey.models import Comment, ComplaintEvent, Rating
from survey.moderation import tag_untagged_comments
from survey.schema import CommentInput, RatingInput, RespondentInput
from survey.services import _comment_for, current_code, ensure_questionnaire, survey_url

# ``hook(session, unit_ids)`` after the demo's rows are in: analytics registers its
# aggregate rebuild here (survey does not import analytics).
AFTER_LOAD: list = []

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

# --- what citizens write ------------------------------------------------------------------

COMPLAINTS = {
    "antrean": ("Antrean lama sekali, saya menunggu hampir dua jam.",
                "Menunggu berjam-jam padahal datang pagi.",
                "Nomor antrean habis jam 9, disuruh datang besok.",
                "Antrean tidak jelas, ada yang diserobot."),
    "sarana": ("Ruang tunggu panas, kipas angin mati.", "Kursi tunggu kurang, banyak yang berdiri.",
               "Toilet rusak dan kotor.", "Tempat parkir sempit, motor berjejal."),
    "persyaratan": ("Persyaratan tidak jelas, saya disuruh bolak-balik fotokopi.",
                    "Informasi syaratnya beda-beda tiap petugas."),
    "prosedur": ("Alurnya berbelit, harus ke tiga loket.",
                 "Prosedur terlalu panjang untuk urusan sederhana."),
    "sistem": ("Sistem sedang gangguan, disuruh kembali besok.",
               "Jaringan lemot, antrean jadi lama."),
    "biaya": ("Diminta uang untuk mempercepat, padahal katanya gratis.",
              "Ada pungutan map yang tidak ada kuitansinya."),
    "hasil": ("Nama saya salah ketik di dokumen, harus diurus ulang.",),
    "kompetensi": ("Petugas kurang paham aturan, jawabannya berubah-ubah.",),
    "perilaku": ("Petugas tidak ramah dan sibuk main HP.",
                 "Petugas tidak ada di tempat saat jam layanan.",
                 "Dijawab ketus waktu bertanya."),
    "pengaduan": ("Sudah lapor lewat kotak saran tapi tidak ada tanggapan.",),
}
ELEMENT_CATEGORY = {"U1": "persyaratan", "U2": "prosedur", "U3": "antrean", "U4": "biaya",
                    "U5": "hasil", "U6": "kompetensi", "U7": "perilaku", "U8": "pengaduan",
                    "U9": "sarana"}
SUGGESTIONS = {
    "antrean": "Mohon antrean online supaya tidak menunggu lama.",
    "sarana": "Sebaiknya ditambah kursi dan kipas di ruang tunggu.",
    "persyaratan": "Tolong pasang daftar persyaratan yang jelas di depan loket.",
    "sistem": "Semoga jaringannya diperbaiki agar tidak sering gangguan.",
    "lainnya": "Pelayanan sudah baik, pertahankan.",
}
PRAISE = ("Petugas ramah dan cepat.", "Dijelaskan dengan sabar, terima kasih.",
          "Pelayanan memuaskan, tidak sampai setengah jam.", "Terima kasih, prosesnya mudah.",
          "Mantap, pelayanannya cepat dan gratis.")
PRAISE_NAMED = ("{name} ramah dan sabar menjelaskan.", "Terima kasih {name}, sangat membantu.",
                "{name} cepat dan teliti, pelayanan memuaskan.")
QUESTIONS = ("Apakah bisa mengurus untuk orang tua yang sakit tanpa datang?",
             "Berapa lama dokumen jadi kalau diurus hari ini?",
             "Apakah hari Sabtu buka?", "Bagaimana cara cek status permohonan secara online?")
# Comments that exercise every tag and mask (survey/comment_text.py, docs/comments.md),
# swapped in for every n-th comment of a kind (and category): no random draws, so the rest
# of the demo stays as it was. Numbers and addresses are invented.
TAG_EXAMPLES: dict[tuple[str, str | None], tuple[int, tuple[str, ...]]] = {
    ("complaint", "biaya"): (1, (
        "Saya dimintai uang 50 ribu supaya cepat, padahal gratis. Hubungi saya 0812-3456-7890.",
        "Ada calo di depan loket, minta 200 ribu. Uang ditransfer ke rek BRI 0123456789012345.",
        "Petugas minta uang rokok, tidak ada kuitansi.",
    )),
    ("complaint", "perilaku"): (1, (
        "Petugasnya g0bl0k, ditanya malah marah!",
        "Dasar b*ngsat, berkas saya dilempar.",
        "Lama banget a n j i n g, loket kosong sejam.",
    )),
    ("complaint", "sarana"): (4, (
        "Kabel di dekat mesin antrean terkelupas, anak-anak bisa kesetrum.",
        "Ada anjing liar berkeliaran di halaman, anak saya takut.",
        "Motor saya B 1234 XYZ diserempet mobil di parkiran yang sempit.",
    )),
    ("complaint", None): (15, (
        "NIK saya 3201 0123 4567 0001 salah cetak, mohon dibetulkan. WA +62 813 9988 7766.",
        "Tolong kabari lewat surel budi.santoso@gmail.com, nomor antrean 105 tidak dipanggil.",
        "Pengembalian retribusi ke rekening BNI 0987654321 belum masuk juga.",
    )),
    ("question", None): (6, (
        "Slot gacor maxwin hari ini, daftar di www.slot-gacor88.xyz",
        "asdfghjkl",
    )),
    ("suggestion", None): (12, ("Tidak ada pungli sekarang, bagus. Pertahankan!",)),
    ("praise", None): (9, (
        "Terima kasih {name}, sangat membantu. Kalau ada kabar, WA saya 0857 1122 3344.",
        "{name} ramah dan sabar 👍",
    )),
}
FOLLOW_UP_NOTES = {
    "antrean": "Nomor antrean kini bisa diambil lewat WhatsApp; loket tambahan dibuka pagi hari.",
    "sarana": "Ditambah 20 kursi tunggu dan dua kipas angin di ruang tunggu.",
    "sistem": "Gangguan jaringan dilaporkan ke Diskominfo dan sudah diperbaiki.",
    "perilaku": "Petugas yang bersangkutan sudah dibina oleh atasan langsung.",
    "biaya": "Dilaporkan ke Inspektorat; papan 'Layanan ini GRATIS' dipasang di setiap loket.",
}


@dataclass
class DemoResult:
    created: bool
    ratings: int = 0
    comments: int = 0
    shifts: int = 0
    officers: int = 0
    units: int = 0
    users: list[str] = field(default_factory=list)


def already_loaded(session: Session) -> bool:
    return session.scalars(
        select(Department.id).where(Department.code == MARKER_DEPARTMENT)
    ).first() is not None


def load(
    session: Session,
    *,
    now: datetime | None = None,
    days: int = DAYS,
    seed: int = SEED,
    echo: Callable[[str], object] = print,
) -> DemoResult:
    """Load the demo city unless it is there already. Flushes; the caller commits."""
    if already_loaded(session):
        echo(f"Data demo {CITY} sudah ada; tidak ada yang diubah.")
        return DemoResult(created=False)
    now = now or utcnow()
    rng = random.Random(seed)
    builder = _Builder(session, rng, now, days, echo)
    return builder.run()


def report(session: Session, result: DemoResult, config, echo: Callable[[str], object] = print):
    """What a newcomer needs: the accounts, and one link straight into the survey."""
    if result.created:
        echo(f"Kota demo dimuat: {result.units} unit, {result.officers} petugas, "
             f"{result.shifts} sif, {result.ratings} penilaian, {result.comments} komentar.")
    echo(f"Akun demo (kata sandi untuk semua: {PASSWORD}):")
    for username, _display, role, *_ in USERS:
        echo(f"  {username:<18} {role.value}")
    counter = session.scalars(select(Counter).where(Counter.code == "PKM-SM-DAFTAR")).first()
    if counter is not None:
        code = current_code(session, counter=counter)
        echo("Coba survei warga (Puskesmas Suka Maju, Loket Pendaftaran):")
        echo(survey_url(code, config["SECRET_KEY"], config["BASE_URL"]))


# --- the builder ----------------------------------------------------------------------


@lru_cache(maxsize=512)
def _cumulative(mean_hundredths: int) -> tuple[float, ...]:
    """Cumulative weights over answers 1–4 centred on ``mean`` (a rounded normal)."""
    mean = mean_hundredths / 100
    weights = [math.exp(-((k - mean) ** 2) / (2 * 0.55**2)) for k in (1, 2, 3, 4)]
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return tuple(out)


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


class _Builder:
    def __init__(self, session: Session, rng: random.Random, now: datetime, days: int, echo):
        self.session = session
        self.rng = rng
        self.now = now
        self.days = days
        self.echo = echo
        self.result = DemoResult(created=True)
        self.units: dict[str, Unit] = {}
        self.counters: dict[str, Counter] = {}
        self.officers: dict[str, Officer] = {}
        self.codes: dict[int, int] = {}  # counter id → QR code id
        self.kiosks: dict[int, KioskDevice] = {}  # counter id → its tablet
        self.example_counts: dict[tuple[str, str | None], int] = {}

    def run(self) -> DemoResult:
        self.echo(f"Membangun {CITY}…")
        self.questionnaire = ensure_questionnaire(self.session)
        self._organisation()
        shifts = self._shifts()
        self.echo(f"  {self.result.shifts} sif petugas")
        ratings, comments = self._ratings(shifts)
        self._users()
        self._insert(ratings, comments)
        if AFTER_LOAD:
            self.echo("  agregat harian…")
        for hook in AFTER_LOAD:
            hook(self.session, [unit.id for unit in self.units.values()])
        self.echo("  tag komentar…")
        tag_untagged_comments(self.session, unit_ids=[unit.id for unit in self.units.values()])
        self.session.flush()
        return self.result

    # organisation -----------------------------------------------------------------------

    def _organisation(self) -> None:
        session = self.session
        departments = {}
        for code, name in DEPARTMENTS:
            departments[code] = Department(code=code, name=name)
            session.add(departments[code])
        for spec in UNITS:
            unit = Unit(code=spec.code, name=spec.name, department=departments[spec.department],
                        timezone=spec.timezone, service_hours=spec.hours,
                        annual_population=spec.population)
            session.add(unit)
            self.units[spec.code] = unit
            for code, label, _volume in spec.counters:
                counter = Counter(code=code, label=label, unit=unit)
                session.add(counter)
                self.counters[code] = counter
            for officer in spec.officers:
                nip = validate_nip(officer.nip) if officer.nip else None
                row = Officer(nip=nip, employee_id=officer.employee_id, name=officer.name,
                              position=officer.position, unit=unit)
                session.add(row)
                self.officers[officer.name] = row
        session.flush()
        for counter in self.counters.values():
            self.codes[counter.id] = current_code(session, counter=counter).id
        for code, name in KIOSKS.items():
            counter = self.counters[code]
            # The hash of a credential nobody holds: the demo's tablets are history only, and
            # a real tablet is paired afresh (kiosk pairing) before it can send anything.
            unused = hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest()
            self.kiosks[counter.id] = KioskDevice(
                counter_id=counter.id, name=name, credential_hash=unused,
                created_at=self.now - timedelta(days=self.days + 7), last_seen_at=self.now)
            session.add(self.kiosks[counter.id])
        session.flush()
        self.result.units = len(self.units)
        self.result.officers = len(self.officers)

    # shifts -------------------------------------------------------------------------------

    def _open_days(self, spec: UnitSpec) -> list[date]:
        zone = ZoneInfo(spec.timezone)
        today = self.now.astimezone(zone).date()
        start = today - timedelta(days=self.days)
        closed = holidays_between(self.session, start, today)
        return [
            start + timedelta(days=n)
            for n in range(self.days + 1)
            if str((start + timedelta(days=n)).isoweekday()) in spec.hours
            and start + timedelta(days=n) not in closed
            and (start + timedelta(days=n)).strftime("%m-%d") != "08-17"  # Hari Kemerdekaan
        ]

    def _local(self, spec: UnitSpec, day: date, minute: int) -> datetime:
        local = datetime.combine(day, time(minute // 60, minute % 60), ZoneInfo(spec.timezone))
        return local.astimezone(UTC)

    def _shifts(self) -> list[tuple[UnitSpec, date, Counter, Shift | None, float]]:
        """One shift per counter and open day (the officers rotate); now and then an officer
        forgot to sign in, and those ratings belong to the unit only."""
        plan = []
        rng = self.rng
        for spec in UNITS:
            days = self._open_days(spec)
            regular = [o for o in spec.officers if o.role == "regular"]
            new = [o for o in spec.officers if o.role.startswith("new:")]
            relief = [o for o in spec.officers if o.role.startswith("relief:")]
            relief_days = set()
            for officer in relief:
                count = int(officer.role.split(":")[1])
                relief_days |= set(rng.sample(days[-40:-5], count))
            for index, day in enumerate(days):
                roster = list(regular)
                for officer in new:
                    if index >= len(days) - int(officer.role.split(":")[1]):
                        roster.insert(0, officer)
                intervals = spec.hours[str(day.isoweekday())]
                opens, closes = _minutes(intervals[0][0]), _minutes(intervals[-1][1])
                for position, (code, _label, _volume) in enumerate(spec.counters):
                    counter = self.counters[code]
                    officer_spec = roster[(index + position) % len(roster)]
                    if position == len(spec.counters) - 1 and day in relief_days and relief:
                        officer_spec = relief[0]
                    shift = None
                    if rng.random() > 0.05:
                        started = self._local(spec, day, opens - rng.randint(2, 15))
                        ended = self._local(spec, day, closes + rng.randint(0, 20))
                        if started > self.now:
                            continue
                        # Where a tablet stands, officers sign in on it.
                        kiosk = self.kiosks.get(counter.id)
                        shift = Shift(officer=self.officers[officer_spec.name], counter=counter,
                                      started_at=started,
                                      ended_at=ended if ended <= self.now else None,
                                      end_reason="sign-out" if ended <= self.now else None,
                                      kiosk_device_id=kiosk.id if kiosk else None)
                        self.session.add(shift)
                    plan.append((spec, day, counter, shift, officer_spec.skill))
        self.session.flush()
        self.result.shifts = sum(1 for *_, shift, _skill in plan if shift is not None)
        return plan

    # ratings ------------------------------------------------------------------------------

    def _quality(self, spec: UnitSpec, day: date) -> tuple[float, dict[str, float]]:
        extra = dict(spec.extra)
        quality = spec.quality
        if spec.code == IMPROVING_UNIT:
            today = self.now.astimezone(ZoneInfo(spec.timezone)).date()
            days_after = (day - (today - timedelta(days=FOLLOW_UP_DAYS_AGO))).days
            # Waiting room and queue were the complaint; after the follow-up they recover
            # over two weeks, and the whole unit with them.
            progress = min(max(days_after / 14, 0.0), 1.0)
            quality = 3.05 + 0.45 * progress
            extra = {"U3": -0.35 + 0.3 * progress, "U9": -0.5 + 0.45 * progress}
        return quality, extra

    def _day_minutes(self, spec: UnitSpec, day: date) -> tuple[list[int], list[float]]:
        minutes, weights = [], []
        for start, end in spec.hours[str(day.isoweekday())]:
            for minute in range(_minutes(start), _minutes(end) - 5):
                minutes.append(minute)
                weights.append(HOUR_LOAD.get(minute // 60, 0.3))
        return minutes, weights

    def _answers(self, quality: float, extra: dict, skill: float, mood: float) -> dict[str, int]:
        answers = {}
        for code in ELEMENT_CODES:
            mean = quality + ELEMENT_OFFSET[code] + extra.get(code, 0.0) + mood
            if code in OFFICER_ELEMENTS:
                mean += skill
            mean = min(max(mean, 1.0), 4.3)
            value = self.rng.choices((1, 2, 3, 4), cum_weights=_cumulative(round(mean * 100)))[0]
            answers[code] = value
        # Some citizens skip an element they cannot judge (U8 most of all).
        if self.rng.random() < 0.12:
            answers.pop("U8")
        return answers

    def _comment(self, answers: dict[str, int], officer: Officer | None) -> CommentInput | None:
        rng = self.rng
        mean = sum(answers.values()) / len(answers)
        lowest = min(answers, key=lambda code: (answers[code], ELEMENT_OFFSET[code]))
        if mean < 2.7 or answers[lowest] == 1:
            if rng.random() > 0.4:
                return None
            category = ELEMENT_CATEGORY[lowest]
            if category == "prosedur" and rng.random() < 0.5:
                category = "sistem"
            roll = rng.random()
            if roll < 0.75:
                return CommentInput("complaint", rng.choice(COMPLAINTS[category]), category)
            if roll < 0.95:
                category = category if category in SUGGESTIONS else "lainnya"
                return CommentInput("suggestion", SUGGESTIONS[category], category)
            return CommentInput("question", rng.choice(QUESTIONS))
        if mean >= 3.5:
            if rng.random() > 0.12:
                return None
            if rng.random() < 0.85:
                if officer is not None and rng.random() < 0.5:
                    first = officer.name.split(",")[0].split(". ")[-1].split()[0]
                    honorific = "Bu" if officer.nip and officer.nip[14] == "2" else "Pak"
                    text = rng.choice(PRAISE_NAMED).format(name=f"{honorific} {first}")
                    return CommentInput("praise", text[0].upper() + text[1:])
                return CommentInput("praise", rng.choice(PRAISE))
            return CommentInput("suggestion", SUGGESTIONS["lainnya"], "lainnya")
        if rng.random() < 0.05:
            roll = rng.random()
            if roll < 0.5:
                category = rng.choice(("antrean", "sarana", "persyaratan"))
                return CommentInput("suggestion", SUGGESTIONS[category], category)
            if roll < 0.8:
                return CommentInput("question", rng.choice(QUESTIONS))
            return CommentInput("praise", rng.choice(PRAISE))
        return None

    def _respondent(self, spec: UnitSpec) -> RespondentInput:
        rng = self.rng
        if rng.random() > 0.4:
            return RespondentInput()
        return RespondentInput(
            gender=rng.choice(("L", "P")),
            age_band=rng.choices(("<20", "20-29", "30-39", "40-49", "50-59", "60+"),
                                 (4, 24, 28, 22, 14, 8))[0],
            education=rng.choices(("SD", "SMP", "SMA", "D1-D3", "D4-S1", "S2-S3"),
                                  (8, 14, 42, 12, 21, 3))[0],
            occupation=rng.choices(("pns", "tni-polri", "swasta", "wiraswasta", "pelajar",
                                    "lainnya"), (8, 3, 30, 28, 12, 19))[0],
            service_type=rng.choice(spec.services) if rng.random() < 0.7 else None,
        )

    def _ratings(self, plan) -> tuple[list[dict], list[dict]]:
        rng = self.rng
        ratings: list[dict] = []
        comments: list[dict] = []
        volumes = {code: volume for spec in UNITS for code, _label, volume in spec.counters}
        minute_cache: dict[tuple[str, int], tuple[list[int], list[float]]] = {}
        burst_counter = self.counters[BURST_COUNTER]
        for spec, day, counter, shift, skill in plan:
            unit = self.units[spec.code]
            zone = ZoneInfo(spec.timezone)
            key = (spec.code, day.isoweekday())
            if key not in minute_cache:
                minute_cache[key] = self._day_minutes(spec, day)
            minutes, weights = minute_cache[key]
            expected = volumes[counter.code] * WEEKDAY_LOAD[day.isoweekday()]
            count = max(0, round(rng.gauss(expected, math.sqrt(expected))))
            quality, extra = self._quality(spec, day)
            officer = shift.officer if shift is not None else None
            for minute in sorted(rng.choices(minutes, weights, k=count)):
                moment = self._local(spec, day, minute) + timedelta(seconds=rng.randint(0, 59))
                if moment > self.now:
                    break
                answers = self._answers(quality, extra, skill, rng.gauss(0, 0.3))
                comment = self._comment(answers, officer)
                kiosk = self.kiosks.get(counter.id)
                if kiosk is not None and rng.random() < KIOSK_SHARE:
                    # The tablet asks no profile and sends the moment it was tapped.
                    self._add(ratings, comments, unit, counter, shift, moment, zone, answers,
                              comment, RespondentInput(), client=None, kiosk=kiosk)
                    continue
                self._add(ratings, comments, unit, counter, shift, moment, zone, answers,
                          comment, self._respondent(spec), client=f"{rng.getrandbits(128):032x}")
            if counter is burst_counter and shift is not None and day == self._burst_day(spec):
                self._burst(ratings, comments, spec, unit, counter, shift, day, zone)
        self.result.ratings = len(ratings)
        self.result.comments = len(comments)
        self.echo(f"  {len(ratings)} penilaian, {len(comments)} komentar")
        return ratings, comments

    def _burst_day(self, spec: UnitSpec) -> date:
        today = self.now.astimezone(ZoneInfo(spec.timezone)).date()
        day = today - timedelta(days=BURST_DAYS_AGO)
        while day.isoweekday() > 4:
            day -= timedelta(days=1)
        return day

    def _burst(self, ratings, comments, spec, unit, counter, shift, day, zone) -> None:
        """24 perfect ratings from one phone within seven minutes: what integrity checks
        exist to catch. Kept, flagged, out of the officer's component until cleared."""
        start = self._local(spec, day, 14 * 60 + 5)
        client = f"{self.rng.getrandbits(128):032x}"
        for n in range(24):
            moment = start + timedelta(seconds=n * 17 + self.rng.randint(0, 5))
            comment = CommentInput("praise", "Pelayanan sangat memuaskan.") if n % 6 == 0 else None
            self._add(ratings, comments, unit, counter, shift, moment, zone,
                      dict.fromkeys(ELEMENT_CODES, 4), comment, RespondentInput(),
                      client=client, flags="burst,repeat")

    def _tag_example(self, comment: CommentInput, shift) -> CommentInput:
        """Every n-th comment of a kind (and category) becomes one of TAG_EXAMPLES."""
        key = (comment.kind, comment.category)
        if key not in TAG_EXAMPLES:
            key = (comment.kind, None)
        if key not in TAG_EXAMPLES:
            return comment
        every, texts = TAG_EXAMPLES[key]
        seen = self.example_counts.get(key, 0) + 1
        self.example_counts[key] = seen
        if seen % every:
            return comment
        text = texts[(seen // every) % len(texts)]
        if "{name}" in text:
            officer = self.session.get(Officer, shift.officer_id) if shift is not None else None
            if officer is None:
                return comment
            first = officer.name.split(",")[0].split(". ")[-1].split()[0]
            title = "Bu" if officer.nip and officer.nip[14] == "2" else "Pak"
            text = text.format(name=f"{title} {first}")
        return CommentInput(comment.kind, text, comment.category)

    def _add(self, ratings, comments, unit, counter, shift, moment, zone, answers, comment,
             respondent, *, client, flags=None, kiosk: KioskDevice | None = None) -> None:
        if comment is not None:
            comment = self._tag_example(comment, shift)
        rating_id = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        data = RatingInput(id=rating_id, token=None, answers=answers, comment=comment,
                           respondent=respondent, submitted_at=moment if kiosk else None)
        received = moment + timedelta(seconds=self.rng.randint(1, 20))
        local_day = moment.astimezone(zone).date()
        row = {
            "id": rating_id,
            "unit_id": unit.id,
            "counter_id": counter.id,
            "officer_id": shift.officer_id if shift is not None else None,
            "shift_id": shift.id if shift is not None else None,
            "qr_code_id": None if kiosk else self.codes[counter.id],
            "kiosk_device_id": kiosk.id if kiosk else None,
            "questionnaire_id": self.questionnaire.id,
            "channel": "kiosk" if kiosk else "qr",
            "submitted_at": moment,
            "received_at": received,
            "service_day": local_day,
            "body_digest": data.digest(),
            "gender": respondent.gender,
            "age_band": respondent.age_band,
            "education": respondent.education,
            "occupation": respondent.occupation,
            "service_type": respondent.service_type,
            "client_hash": client,
            "flags": flags,
            "flags_cleared_at": None,
            "flags_cleared_by": None,
            # Attributed and assessed here already (the history a city would have): folded,
            # and counted by the AFTER_LOAD hooks (analytics rebuilds its aggregates).
            "folded_at": self.now,
            **{code.lower(): answers.get(code) for code in ELEMENT_CODES},
        }
        ratings.append(row)
        if comment is not None:
            # The same comment record_rating would make (status and due date included), from
            # a stand-in rating that never enters the session.
            stand_in = Rating(id=rating_id, unit_id=unit.id, officer_id=row["officer_id"],
                              received_at=received)
            made = _comment_for(self.session, stand_in, data, local_day)
            comments.append({
                "rating_id": rating_id,
                "unit_id": made.unit_id,
                "officer_id": made.officer_id,
                "kind": made.kind,
                "text": made.text,
                "category": made.category,
                "element": made.element,
                "status": made.status,
                "due_on": made.due_on,
                "contact": made.contact,
                "contact_consent": made.contact_consent,
                "created_at": made.created_at,
                "resolved_at": None,
                "assignee_id": None,
            })

    # follow-up, inserting ----------------------------------------------------------------

    def _follow_up(self, comments: list[dict]) -> list[tuple[dict, list[tuple]]]:
        """Older complaints were mostly handled; recent ones are still open. Returns the
        status steps taken, to record as complaint events."""
        rng = self.rng
        steps = []
        for comment in comments:
            if comment["status"] is None:
                continue
            age = (self.now - comment["created_at"]).days
            roll = rng.random()
            path: list[str] = []
            # Most offices close most complaints within the five working days; a few
            # stall, and those are what the overdue list is for.
            done = ["diproses", "ditindaklanjuti", "selesai"]
            if age > 7:
                path = (done if roll < 0.9 else ["diproses", "ditindaklanjuti"] if roll < 0.96
                        else [])
            elif age > 2:
                path = (done if roll < 0.5 else ["diproses", "ditindaklanjuti"] if roll < 0.75
                        else ["diproses"] if roll < 0.9 else [])
            if comment["unit_id"] == self.units[IMPROVING_UNIT].id and comment["category"] in (
                    "antrean", "sarana") and age > FOLLOW_UP_DAYS_AGO:
                path = ["diproses", "ditindaklanjuti", "selesai"]
            if not path:
                continue
            events = []
            previous = "baru"
            at = comment["created_at"]
            for status in path:
                at = min(at + timedelta(hours=rng.randint(4, 60)), self.now)
                note = None
                if status == "ditindaklanjuti":
                    note = FOLLOW_UP_NOTES.get(comment["category"] or "",
                                               "Sudah disampaikan kepada petugas dan atasan.")
                events.append((previous, status, at, note))
                previous = status
            comment["status"] = previous
            if previous == "selesai":
                comment["resolved_at"] = at
            steps.append((comment, events))
        return steps

    def _handler(self, unit_id: int) -> int | None:
        """Who follows a unit's complaints up: its supervisor, else the department's head,
        else the administrator (whichever demo accounts exist)."""
        users = self.session.scalars(select(User).where(User.username.in_(
            [username for username, *_ in USERS]))).all()
        unit = next(u for u in self.units.values() if u.id == unit_id)
        for user in users:
            if user.role == Role.SUPERVISOR.value and user.unit_id == unit_id:
                return user.id
        for user in users:
            if user.role == Role.HEAD.value and user.department_id == unit.department_id:
                return user.id
        return next((user.id for user in users if user.role == Role.ADMIN.value), None)

    def _insert(self, ratings: list[dict], comments: list[dict]) -> None:
        session = self.session
        steps = self._follow_up(comments)
        handlers = {unit.id: self._handler(unit.id) for unit in self.units.values()}
        for comment, _path in steps:
            comment["assignee_id"] = handlers[comment["unit_id"]]
        # Core executemany on the session's connection: the ORM's bulk path compiles one
        # multi-row VALUES per batch, several times slower on PostgreSQL for 20,000 rows.
        connection = session.connection()
        for start in range(0, len(ratings), 5000):
            connection.execute(Rating.__table__.insert(), ratings[start:start + 5000])
        for start in range(0, len(comments), 5000):
            connection.execute(Comment.__table__.insert(), comments[start:start + 5000])
        if steps:
            ids = dict(session.execute(
                select(Comment.rating_id, Comment.id).where(
                    Comment.unit_id.in_([u.id for u in self.units.values()]),
                    Comment.status.is_not(None))
            ).all())
            events = [
                {"comment_id": ids[comment["rating_id"]], "at": at,
                 "user_id": handlers[comment["unit_id"]],
                 "action": "status", "from_status": old, "to_status": new, "note": note}
                for comment, path in steps
                for old, new, at, note in path
            ]
            connection.execute(ComplaintEvent.__table__.insert(), events)

    # accounts -----------------------------------------------------------------------------

    def _users(self) -> None:
        session = self.session
        existing = set(session.scalars(select(User.username)))
        departments = {d.code: d for d in session.scalars(select(Department))}
        for username, display, role, department, unit, officer in USERS:
            if username in existing:
                continue
            session.add(User(
                username=username, display_name=display, role=role.value,
                password_hash=hash_password(PASSWORD),
                department_id=departments[department].id if department else None,
                unit_id=self.units[unit].id if unit else None,
                officer_id=self.officers[officer].id if officer else None,
            ))
            self.result.users.append(username)
        session.flush()
