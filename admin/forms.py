"""Forms of the administration pages (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.models import Role

ROLE_CHOICES = [
    (Role.ADMIN.value, _l("Administrator")),
    (Role.HEAD.value, _l("Kepala dinas")),
    (Role.SUPERVISOR.value, _l("Kepala unit / atasan langsung")),
    (Role.OFFICER.value, _l("Petugas")),
]

TIMEZONE_CHOICES = [
    ("Asia/Jakarta", "WIB — Asia/Jakarta"),
    ("Asia/Pontianak", "WIB — Asia/Pontianak"),
    ("Asia/Makassar", "WITA — Asia/Makassar"),
    ("Asia/Jayapura", "WIT — Asia/Jayapura"),
]


def _none_if_blank(value):
    return None if value in ("", None) else int(value)


class ChoicesForm(FlaskForm):
    """Fixed choices are set on each instance: WTForms 3.3 warns about tuples given to the
    field's constructor."""

    fixed_choices: dict[str, list] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, choices in self.fixed_choices.items():
            self[name].choices = list(choices)


class ActionForm(FlaskForm):
    """A button that changes something (revoke, deactivate…): only the CSRF token."""


class DepartmentForm(FlaskForm):
    code = StringField(_l("Kode"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Nama dinas"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Tambah dinas"))


class UnitForm(ChoicesForm):
    fixed_choices = {"timezone": TIMEZONE_CHOICES}
    code = StringField(_l("Kode"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Nama unit"), validators=[DataRequired(), Length(max=200)])
    department = SelectField(_l("Dinas"), validators=[DataRequired()])
    timezone = SelectField(_l("Zona waktu"), default="Asia/Jakarta")
    annual_population = IntegerField(_l("Penerima layanan per tahun"),
                                     validators=[Optional(), NumberRange(min=1)])
    submit = SubmitField(_l("Tambah unit"))


class UnitEditForm(ChoicesForm):
    fixed_choices = {"timezone": TIMEZONE_CHOICES}
    name = StringField(_l("Nama unit"), validators=[DataRequired(), Length(max=200)])
    timezone = SelectField(_l("Zona waktu"))
    annual_population = IntegerField(_l("Penerima layanan per tahun"),
                                     validators=[Optional(), NumberRange(min=1)])
    service_hours = TextAreaField(
        _l("Jam layanan"),
        description=_l("Satu baris per hari (1 = Senin … 7 = Minggu), mis. '5: 08:00-11:30, "
                       "13:00-16:00'. Kosongkan untuk jam layanan bawaan."),
        validators=[Length(max=1000)],
    )
    published = BooleanField(_l("Tampilkan di halaman publik"))
    submit = SubmitField(_l("Simpan"))


class CounterForm(FlaskForm):
    code = StringField(_l("Kode loket"), validators=[DataRequired(), Length(max=32)])
    label = StringField(_l("Nama loket"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Tambah loket"))


class OfficerForm(FlaskForm):
    identifier = StringField(_l("NIP atau nomor pegawai"),
                             validators=[DataRequired(), Length(max=40)])
    no_nip = BooleanField(_l("Bukan NIP (PPPK, honorer)"))
    name = StringField(_l("Nama"), validators=[DataRequired(), Length(max=200)])
    position = StringField(_l("Jabatan"), validators=[Length(max=120)])
    unit = SelectField(_l("Unit"), validators=[DataRequired()])
    submit = SubmitField(_l("Tambah petugas"))


class OfficerImportForm(FlaskForm):
    file = FileField(_l("Berkas CSV"), validators=[FileRequired()])
    submit = SubmitField(_l("Impor"))


class UserForm(ChoicesForm):
    fixed_choices = {"role": ROLE_CHOICES}
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(), Length(max=80)])
    display_name = StringField(_l("Nama lengkap"), validators=[Length(max=200)])
    password = PasswordField(_l("Kata sandi awal"), validators=[DataRequired()])
    role = SelectField(_l("Peran"))
    department = SelectField(_l("Dinas (kepala dinas)"), coerce=_none_if_blank)
    unit = SelectField(_l("Unit (kepala unit)"), coerce=_none_if_blank)
    officer = SelectField(_l("Petugas (akun petugas)"), coerce=_none_if_blank)
    submit = SubmitField(_l("Buat pengguna"))


class UserEditForm(ChoicesForm):
    fixed_choices = {"role": ROLE_CHOICES}
    display_name = StringField(_l("Nama lengkap"), validators=[Length(max=200)])
    role = SelectField(_l("Peran"))
    department = SelectField(_l("Dinas (kepala dinas)"), coerce=_none_if_blank)
    unit = SelectField(_l("Unit (kepala unit)"), coerce=_none_if_blank)
    officer = SelectField(_l("Petugas (akun petugas)"), coerce=_none_if_blank)
    submit = SubmitField(_l("Simpan"))


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired()])
    submit = SubmitField(_l("Setel kata sandi"))


class QuestionForm(FlaskForm):
    code = StringField(_l("Kode"), validators=[DataRequired(), Length(max=8)],
                       description=_l("Huruf dan angka, mis. K1; bukan U1–U9."))
    text_id = TextAreaField(_l("Pertanyaan (Bahasa Indonesia)"),
                            validators=[DataRequired(), Length(max=500)])
    text_en = TextAreaField(_l("Pertanyaan (English)"), validators=[Length(max=500)])
    label_id_1 = StringField(_l("Jawaban 1 (terburuk)"), validators=[DataRequired(),
                                                                      Length(max=60)])
    label_id_2 = StringField(_l("Jawaban 2"), validators=[DataRequired(), Length(max=60)])
    label_id_3 = StringField(_l("Jawaban 3"), validators=[DataRequired(), Length(max=60)])
    label_id_4 = StringField(_l("Jawaban 4 (terbaik)"), validators=[DataRequired(),
                                                                     Length(max=60)])
    label_en_1 = StringField(_l("Answer 1 (worst)"), validators=[Length(max=60)])
    label_en_2 = StringField(_l("Answer 2"), validators=[Length(max=60)])
    label_en_3 = StringField(_l("Answer 3"), validators=[Length(max=60)])
    label_en_4 = StringField(_l("Answer 4 (best)"), validators=[Length(max=60)])
    about_officer = BooleanField(_l("Tentang petugas (masuk bukti komponen petugas)"))
    active = BooleanField(_l("Aktif (ditanyakan)"), default=True)
    submit = SubmitField(_l("Simpan pertanyaan"))

    def labels(self, language: str) -> list[str]:
        return [getattr(self, f"label_{language}_{n}").data or "" for n in range(1, 5)]
