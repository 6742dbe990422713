from django.apps import AppConfig


class EntitiesConfig(AppConfig):
    name = "entities"
    verbose_name = "Configuration database"

    def ready(self) -> None:
        from .addresses import MAC_TYPES, MAC_VARIABLE, normal_mac
        from .value_checks import register_value_normaliser

        for entity_type in MAC_TYPES:
            register_value_normaliser(entity_type, MAC_VARIABLE, normal_mac)
