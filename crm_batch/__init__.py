"""crm_batch: the weekly customer-maintenance batch for Chinese sales teams (客户维护周报)."""

__version__ = "0.1.0"
