"""HR's side of the who's who in NHS digital: upload a replacement (checked like the shipped file,
problems named by line, nothing saved when there is one) and download the YAML in use. Routes of
the HR blueprint (hr.py), so HR only; the page itself is reference.whos_who."""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_wtf.file import FileField, FileRequired, FileSize

from ..extensions import db
from ..playbooks import whos_who
from . import remote_addr
from .downloads import attachment, audited
from .forms import Form
from .guards import limit_upload
from .hr import _me, bp
from .reference import whos_who_response


class WhosWhoUploadForm(Form):
    file = FileField("Who's who YAML file",
                     description="A .yaml file of at most 100 KB, in the same format as the download",
                     validators=[FileRequired("Choose a YAML file to upload"),
                                 FileSize(whos_who.MAX_UPLOAD_BYTES, message="The file must be 100 KB or smaller")])


limit_upload(bp, "hr.whos_who_upload", whos_who.MAX_UPLOAD_BYTES)


@bp.post("/whos-who/upload")
def whos_who_upload():
    form = WhosWhoUploadForm()
    problems = []
    if form.validate():
        upload = form.file.data
        try:
            whos_who.upload(upload.read(), upload.filename or "whos-who.yaml", _me(), remote_addr())
        except whos_who.WhosWhoError as exc:
            db.session.rollback()
            problems = [str(p) for p in exc.problems]
            form.file.errors.append(f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}; nothing was saved")
        else:
            db.session.commit()
            flash("The who's who now shows the file you uploaded.", "success")
            return redirect(url_for("reference.whos_who"))
    return whos_who_response(form, problems, 400)


@bp.get("/whos-who.yaml")
def whos_who_yaml():
    text, _ = whos_who.current_text()
    audited(_me(), "export.whos_who_yaml")
    return attachment(text, "application/yaml", "whos-who.yaml")
