"""The nine SKM elements (unsur) of Permenpan RB 14/2017, their answer wording, the kinds of
comment a citizen may leave and the complaint categories mapped to elements.

This is seed data: the questionnaire rows in the database are made from it and an office may
reword them there. Code reads an element by its code (U1…U9), never by its position.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Element:
    code: str
    name: str
    question_id: str
    question_en: str
    labels_id: tuple[str, str, str, str]
    labels_en: tuple[str, str, str, str]
    about_officer: bool = False


ELEMENTS: tuple[Element, ...] = (
    Element(
        "U1", "Persyaratan",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
        "How well did the requirements match the service?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not appropriate", "Somewhat inappropriate", "Appropriate", "Very appropriate"),
    ),
    Element(
        "U2", "Sistem, Mekanisme, dan Prosedur",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        "How easy was the service procedure?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
        ("Not easy", "Somewhat difficult", "Easy", "Very easy"),
    ),
    Element(
        "U3", "Waktu Penyelesaian",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        "How fast was the service?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
        ("Not fast", "Somewhat slow", "Fast", "Very fast"),
        about_officer=True,
    ),
    Element(
        "U4", "Biaya/Tarif",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        "How fair was the fee for the service?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
        ("Very expensive", "Rather expensive", "Cheap", "Free"),
    ),
    Element(
        "U5", "Produk Spesifikasi Jenis Pelayanan",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        "Did the result match what the service standard promised?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
        ("Not as promised", "Partly as promised", "As promised", "Fully as promised"),
    ),
    Element(
        "U6", "Kompetensi Pelaksana",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        "How competent was the officer?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
        ("Not competent", "Somewhat competent", "Competent", "Very competent"),
        about_officer=True,
    ),
    Element(
        "U7", "Perilaku Pelaksana",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan "
        "dan keramahan?",
        "How courteous and friendly was the officer?",
        ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah",
         "Sangat sopan dan ramah"),
        ("Not courteous", "Somewhat courteous", "Courteous and friendly",
         "Very courteous and friendly"),
        about_officer=True,
    ),
    Element(
        "U8", "Penanganan Pengaduan, Saran dan Masukan",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        "How are complaints and suggestions handled?",
        ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal",
         "Dikelola dengan baik"),
        ("Not available", "Available but not working", "Working, not fully",
         "Well managed"),
    ),
    Element(
        "U9", "Sarana dan Prasarana",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        "How good are the facilities?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
        ("Poor", "Fair", "Good", "Very good"),
    ),
)

ELEMENT_CODES: tuple[str, ...] = tuple(e.code for e in ELEMENTS)
ELEMENTS_BY_CODE = {e.code: e for e in ELEMENTS}
OFFICER_ELEMENTS: tuple[str, ...] = tuple(e.code for e in ELEMENTS if e.about_officer)

# The kind of a comment. Complaints and questions are followed up; praise goes to the
# officer's evidence.
COMMENT_KINDS = {
    "praise": ("Pujian", "Praise"),
    "complaint": ("Keluhan", "Complaint"),
    "suggestion": ("Saran", "Suggestion"),
    "question": ("Pertanyaan / permintaan informasi", "Question / information request"),
}

# Complaint and suggestion categories, each mapped to the SKM element it is about.
COMPLAINT_CATEGORIES: dict[str, tuple[str | None, str, str]] = {
    "persyaratan": ("U1", "Persyaratan tidak jelas / disuruh bolak-balik", "Unclear requirements"),
    "prosedur": ("U2", "Prosedur berbelit", "Complicated procedure"),
    "sistem": ("U2", "Sistem / jaringan gangguan", "System or network down"),
    "antrean": ("U3", "Antrean / waktu tunggu lama", "Long queue or wait"),
    "biaya": ("U4", "Biaya / pungutan tidak resmi", "Fees or unofficial charges"),
    "hasil": ("U5", "Hasil layanan tidak sesuai", "Result not as promised"),
    "kompetensi": ("U6", "Petugas kurang menguasai", "Officer lacked knowledge"),
    "perilaku": ("U7", "Sikap petugas / petugas tidak ada", "Officer behaviour or absence"),
    "pengaduan": ("U8", "Pengaduan tidak ditanggapi", "Complaints not handled"),
    "sarana": ("U9", "Sarana dan prasarana", "Facilities"),
    # Urgent: these alert a head at once (analytics/alerts.py, docs/alerts.md).
    "pungli": ("U4", "Pungutan liar / diminta uang tidak resmi", "Unofficial fees (pungli)"),
    "ancaman": ("U7", "Ancaman atau intimidasi", "Threat or intimidation"),
    "keselamatan": ("U9", "Keselamatan / keamanan terancam", "Safety or security at risk"),
    "lainnya": (None, "Lainnya", "Other"),
}

COMPLAINT_STATUSES = ("baru", "diproses", "ditindaklanjuti", "selesai")

# Optional respondent profile (SKM's usual questions), all coded, none identifying.
GENDERS = {"L": ("Laki-laki", "Male"), "P": ("Perempuan", "Female")}
AGE_BANDS = {
    "<20": ("Di bawah 20", "Under 20"),
    "20-29": ("20–29", "20–29"),
    "30-39": ("30–39", "30–39"),
    "40-49": ("40–49", "40–49"),
    "50-59": ("50–59", "50–59"),
    "60+": ("60 ke atas", "60 and over"),
}
EDUCATION = {
    "SD": ("SD", "Primary"),
    "SMP": ("SMP", "Junior secondary"),
    "SMA": ("SMA/SMK", "Senior secondary"),
    "D1-D3": ("D1–D3", "Diploma"),
    "D4-S1": ("D4/S1", "Bachelor"),
    "S2-S3": ("S2–S3", "Postgraduate"),
}
OCCUPATIONS = {
    "pns": ("PNS", "Civil servant"),
    "tni-polri": ("TNI/Polri", "Military/police"),
    "swasta": ("Pegawai swasta", "Private employee"),
    "wiraswasta": ("Wiraswasta", "Self-employed"),
    "pelajar": ("Pelajar/Mahasiswa", "Student"),
    "lainnya": ("Lainnya", "Other"),
}
