"""What the imaging app keeps centrally."""

from django.db import models


class ImageRestore(models.Model):
    """One re-imaging of a client's local partition (restoreimage at logout or boot), as the
    client's agent reported it: how many used blocks differed from the image and were
    written, and whether the partition ended good."""

    host = models.CharField(max_length=128, db_index=True, help_text="The client's entity name.")
    partition = models.CharField(max_length=255, help_text="The partition re-imaged.")
    image = models.CharField(max_length=1024, help_text="The image directory or URL.")
    good = models.BooleanField(help_text="Every used block matches the image.")
    used_blocks = models.PositiveBigIntegerField()
    differed_blocks = models.PositiveBigIntegerField(help_text="Used blocks whose hash differed.")
    written_bytes = models.PositiveBigIntegerField()
    seconds = models.FloatField(help_text="How long the restore took.")
    error = models.CharField(max_length=500, blank=True, help_text="Why it failed, if it did.")
    received = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-received", "-pk"]

    def __str__(self) -> str:
        return f"{self.host} {self.partition} {self.received:%Y-%m-%d %H:%M}"
