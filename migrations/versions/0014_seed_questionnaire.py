"""Seed the questionnaire: version 1, active, with the nine SKM elements

Until now the first page view made it (an INSERT during a GET, racing between workers). A
database that has one already (made that way) keeps it; a fresh database gets it here, so
every rating can name the questionnaire it answered.

The wording is copied from survey/elements.py as it stood at this revision: migrations do
not import application code (an office may reword its questions in the database later).

Revision ID: 0014
Revises: 0013
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# code, question (id), question (en), labels (id, worst first), labels (en), about the officer
ELEMENTS = (
    ('U1', 'Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?',
     'How well did the requirements match the service?',
     ['Tidak sesuai', 'Kurang sesuai', 'Sesuai', 'Sangat sesuai'],
     ['Not appropriate', 'Somewhat inappropriate', 'Appropriate', 'Very appropriate'],
     False),
    ('U2', 'Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?',
     'How easy was the service procedure?',
     ['Tidak mudah', 'Kurang mudah', 'Mudah', 'Sangat mudah'],
     ['Not easy', 'Somewhat difficult', 'Easy', 'Very easy'],
     False),
    ('U3', 'Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?',
     'How fast was the service?',
     ['Tidak cepat', 'Kurang cepat', 'Cepat', 'Sangat cepat'],
     ['Not fast', 'Somewhat slow', 'Fast', 'Very fast'],
     True),
    ('U4', 'Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?',
     'How fair was the fee for the service?',
     ['Sangat mahal', 'Cukup mahal', 'Murah', 'Gratis'],
     ['Very expensive', 'Rather expensive', 'Cheap', 'Free'],
     False),
    ('U5', 'Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?',
     'Did the result match what the service standard promised?',
     ['Tidak sesuai', 'Kurang sesuai', 'Sesuai', 'Sangat sesuai'],
     ['Not as promised', 'Partly as promised', 'As promised', 'Fully as promised'],
     False),
    ('U6', 'Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?',
     'How competent was the officer?',
     ['Tidak kompeten', 'Kurang kompeten', 'Kompeten', 'Sangat kompeten'],
     ['Not competent', 'Somewhat competent', 'Competent', 'Very competent'],
     True),
    ('U7', 'Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?',
     'How courteous and friendly was the officer?',
     ['Tidak sopan dan ramah', 'Kurang sopan dan ramah', 'Sopan dan ramah', 'Sangat sopan dan ramah'],
     ['Not courteous', 'Somewhat courteous', 'Courteous and friendly', 'Very courteous and friendly'],
     True),
    ('U8', 'Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?',
     'How are complaints and suggestions handled?',
     ['Tidak ada', 'Ada tetapi tidak berfungsi', 'Berfungsi kurang maksimal', 'Dikelola dengan baik'],
     ['Not available', 'Available but not working', 'Working, not fully', 'Well managed'],
     False),
    ('U9', 'Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?',
     'How good are the facilities?',
     ['Buruk', 'Cukup', 'Baik', 'Sangat baik'],
     ['Poor', 'Fair', 'Good', 'Very good'],
     False),
)

questionnaire = sa.table(
    "questionnaire",
    sa.column("id", sa.Integer()),
    sa.column("version", sa.Integer()),
    sa.column("active", sa.Boolean()),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
question = sa.table(
    "question",
    sa.column("questionnaire_id", sa.Integer()),
    sa.column("code", sa.String()),
    sa.column("position", sa.Integer()),
    sa.column("text_id", sa.Text()),
    sa.column("text_en", sa.Text()),
    sa.column("labels", sa.JSON()),
    sa.column("about_officer", sa.Boolean()),
    sa.column("standard", sa.Boolean()),
    sa.column("unit_id", sa.Integer()),
    sa.column("active", sa.Boolean()),
)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.execute(sa.select(sa.func.count()).select_from(questionnaire)).scalar():
        return  # made on demand before this revision; it stays as it is
    questionnaire_id = connection.execute(
        questionnaire.insert().values(version=1, active=True, created_at=datetime.now(UTC))
        .returning(questionnaire.c.id)
    ).scalar_one()
    op.bulk_insert(question, [
        {"questionnaire_id": questionnaire_id, "code": code, "position": position,
          "text_id": text_id, "text_en": text_en, "labels": {"id": labels_id, "en": labels_en},
          "about_officer": about_officer, "standard": True, "unit_id": None, "active": True}
        for position, (code, text_id, text_en, labels_id, labels_en, about_officer)
        in enumerate(ELEMENTS, start=1)
    ])


def downgrade() -> None:
    # Kept: ratings refer to it, and the code before this revision uses the questionnaire
    # it finds (it made one only when there was none).
    pass
