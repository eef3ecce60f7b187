"""Django's model permissions, for the read-only admin's staff, and nothing else."""

from django.contrib.auth.backends import ModelBackend
from rules.permissions import perm_exists


class ModelPermissionBackend(ModelBackend):
    """The product's own permissions are `rules` predicates (rules.permissions), answered by rules' backend.
    A refused one would fall through to ModelBackend, which reads the user's and their groups' permission
    tables to look for a name that cannot be there (django_fsm asks once more without the case on every
    refused step: two queries on each case page). tests/accounts/test_backends.py checks that no rules
    permission shares its name with a model permission, so nothing is lost by not looking."""

    def has_perm(self, user_obj, perm, obj=None):
        if perm_exists(perm):
            return False
        return super().has_perm(user_obj, perm, obj=obj)
