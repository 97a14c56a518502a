"""Flask-WTF forms (CSRF on every POST)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

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
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=200)])


class PasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=200)])
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
