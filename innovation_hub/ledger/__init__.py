"""The ledger (台账): the xlsx template, import (all or nothing) and export."""
