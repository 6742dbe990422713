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
