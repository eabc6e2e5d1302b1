"""What the demo's citizens write: complaints by category, suggestions, praise, questions,
the comments that exercise every tag and mask, and how offices answered complaints."""

from __future__ import annotations

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
