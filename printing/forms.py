from decimal import Decimal

from django import forms

from .services import MAX_CREDIT


class CreditForm(forms.Form):
    username = forms.CharField(max_length=150)
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=-MAX_CREDIT,
                                max_value=MAX_CREDIT, initial=Decimal("5.00"))  # fmt: skip
    note = forms.CharField(max_length=255, required=False)


class RefundForm(forms.Form):
    note = forms.CharField(max_length=255, required=False)


class TopUpForm(forms.Form):
    file = forms.FileField(
        help_text="CSV from the cashier: reference, username, amount and an optional note."
    )


class FreeQuotaForm(forms.Form):
    department = forms.CharField(max_length=128, help_text="A printer's dept, or * for all.")
    amount = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, max_value=MAX_CREDIT, help_text="Per term."
    )


class DepartmentForm(forms.Form):
    department = forms.CharField(max_length=128)
    members = forms.CharField(
        max_length=20_000,
        required=False,
        help_text="User names, separated by spaces or commas; they may charge its account.",
    )

    def clean_members(self) -> list[str]:
        return sorted(set(self.cleaned_data["members"].replace(",", " ").split()))


class ChargeToForm(forms.Form):
    charge_to = forms.ChoiceField(label="Charge my jobs to", required=False)

    def __init__(self, *args, departments: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "my own balance")] + [(d, f"the {d} department") for d in departments]
        self.fields["charge_to"].choices = choices


class RefundRequestForm(forms.Form):
    reason = forms.CharField(max_length=255)
