"""Forms of /admin/ledger: the upload and the confirmation (CSRF on both)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField


class UploadForm(FlaskForm):
    file = FileField("台账文件（.xlsx）", validators=[FileRequired("请选择要上传的台账文件")])


class ConfirmForm(FlaskForm):
    delete_missing = BooleanField("同时删除文件中没有的记录")
