"""Flask-WTF forms (CSRF on every POST)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from quizapp.models import Role

ROLE_CHOICES = [SelectChoice(r.value, r.value.capitalize()) for r in Role]


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Remember me on this device")


class UserForm(FlaskForm):
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired()])
    teams = SelectMultipleField("Member of teams", coerce=int, validate_choice=True)
    managed_teams = SelectMultipleField("Manages teams (managers and admins)", coerce=int, validate_choice=True)
    active = BooleanField("Active (can log in)", default=True)


class NewUserForm(UserForm):
    password = PasswordField("Password", validators=[DataRequired(), Length(min=12, max=200)])


class PasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=12, max=200)])
    confirm = PasswordField(
        "Repeat the new password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")]
    )


class TeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired(), Length(max=120)])
    managers = SelectMultipleField("Managers", coerce=int, validate_choice=True)
    members = SelectMultipleField("Members", coerce=int, validate_choice=True)


class NewTeamForm(FlaskForm):
    name = StringField("Team name", validators=[DataRequired(), Length(max=120)])


class ConfirmForm(FlaskForm):
    """A POST with nothing but the CSRF token (logout, start, submit)."""


class VerifyForm(FlaskForm):
    """The public certificate lookup: a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    code = StringField(
        "Certificate code",
        validators=[DataRequired("Type the code printed on the certificate."), Length(max=40)],
    )


class ReasonForm(FlaskForm):
    """Revoke or restore a certificate: the reason is mandatory and goes into the audit log."""

    reason = TextAreaField(
        "Reason", validators=[DataRequired("Give a reason; it is kept in the audit log."), Length(max=500)]
    )


class ProgrammeForm(FlaskForm):
    name = StringField("Programme name", validators=[DataRequired(), Length(max=200)])
    validity_months = IntegerField(
        "Validity (months)", validators=[InputRequired("Give the validity in months."), NumberRange(1, 120)]
    )
    renewal_window_days = IntegerField(
        "Recertification window (days before expiry)",
        validators=[InputRequired("Give the window in days."), NumberRange(0, 365)],
    )
    required_modules = SelectMultipleField(
        "Modules required for the certificate",
        coerce=int,
        validate_choice=True,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class AuditFilterForm(FlaskForm):
    """Filters of the audit log page (GET)."""

    class Meta:
        csrf = False

    action = SelectField("Action", default="", validate_choice=True)
    actor = StringField("Actor (name or email contains)", validators=[Optional(), Length(max=254)])
    date_from = DateField("From (UTC date)", validators=[Optional()])
    date_to = DateField("To (UTC date, inclusive)", validators=[Optional()])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=100000)])

    def validate_actor(self, field: StringField) -> None:
        if field.data and any(ord(c) < 32 for c in field.data):
            raise ValidationError("Type a name or an email address.")

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The end date is before the start date.")


class TeamOverviewForm(FlaskForm):
    """Filters of the manager's team overview (GET)."""

    class Meta:
        csrf = False

    team = SelectField("Team", default="", validate_choice=True)
    certificate = SelectField("Certificate", default="", validate_choice=True)


class TraineeTableForm(FlaskForm):
    """Filters, sort and page of the manager's trainee table (GET: the URL is the bookmark)."""

    class Meta:
        csrf = False

    team = SelectField("Team", default="", validate_choice=True)
    status = SelectField("Certificate", default="", validate_choice=True)
    expiring = IntegerField(
        "Expiring within (days)", validators=[Optional(), NumberRange(min=0, max=3650, message="0 to 3650 days.")]
    )
    module = SelectField("Module", default="", validate_choice=True)
    state = SelectField("Module state", default="", validate_choice=True)
    q = StringField("Name or email contains", validators=[Optional(), Length(max=100)])
    only = SelectField(
        "Only",
        default="",
        validate_choice=True,
        choices=[
            SelectChoice("", "Everyone"),
            SelectChoice("stuck", "Stuck"),
            SelectChoice("never_started", "Never started"),
        ],
    )
    sort = SelectField("Sort by", default="status", validate_choice=True)
    order = SelectField(
        "Order", default="asc", choices=[SelectChoice("asc", "Ascending"), SelectChoice("desc", "Descending")]
    )
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=100000)])

    def validate_q(self, field: StringField) -> None:
        if field.data and any(ord(c) < 32 for c in field.data):
            raise ValidationError("Type part of a name or an email address.")


class OnboardForm(FlaskForm):
    """Add one trainee to a team."""

    team = SelectField("Team", coerce=int, validate_choice=True)
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])


class OnboardCsvForm(FlaskForm):
    """Add trainees from a CSV file (email, name): a dry run first; apply sends the checked content back."""

    team = SelectField("Team", coerce=int, validate_choice=True)
    file = FileField("CSV file (email, name — one trainee a line)")
    content = HiddenField()
    apply = BooleanField("Add them now (otherwise: a dry run)")


class SetPasswordForm(FlaskForm):
    """The trainee's own password, set through a one-time link."""

    password = PasswordField("New password", validators=[DataRequired(), Length(min=12, max=200)])
    confirm = PasswordField(
        "Repeat the password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")]
    )
