"""The administrators' review queue (资格审核) and the audit log (操作日志)."""
