"""Sign-in forms. Every form is a FlaskForm, so every form carries a CSRF token."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password"), Length(max=256)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        description="At least 12 characters. A long phrase is easier to remember than a complex word.",
        validators=[DataRequired("Enter a new password"), Length(min=12, max=256, message="Password must be between 12 and 256 characters")],
    )
    confirm = PasswordField(
        "Confirm new password",
        validators=[DataRequired("Enter the password again"), EqualTo("password", "The passwords do not match")],
    )
