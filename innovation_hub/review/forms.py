"""The review decision forms; 通过 is a one-button ConfirmForm (accounts.forms)."""

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

RETURN_REASON_MAX = 1000


class ReturnForm(FlaskForm):
    reason = TextAreaField("退回理由", validators=[
        DataRequired("请填写退回理由：工作室会看到它，并据此修改后重新提交"),
        Length(max=RETURN_REASON_MAX, message=f"退回理由不能超过 {RETURN_REASON_MAX} 个字"),
    ], render_kw={"rows": 5, "placeholder": "例如：经济效益缺少财务部门出具的证明，请补充后重新提交"})
