from targets import services
from targets.services import ItemData


def save_draft(target_set, actor, items: list[ItemData]):
    """``actor`` saves ``items`` as ``target_set``'s draft through the service, on the version
    they read."""
    return services.target_set_save_draft(target_set=target_set, actor=actor, version=target_set.version, items=items)
