"""The models of every publicity room, gathered for Django's app registry (the app label stays
``publicity``). Rooms import their own ``models`` module, never this one."""
