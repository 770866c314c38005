"""A JSON log formatter: one object per line, for log collectors."""

import json
import logging

# Never written to a log line, whatever a caller passes as ``extra``.
SECRET_FIELDS = {
    "password",
    "token",
    "authorization",
    "secret",
    "key",
    "cookie",
    "sessionid",
}
STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JSONFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name in STANDARD_ATTRIBUTES or name.startswith("_"):
                continue
            entry[name] = "[redacted]" if name.lower() in SECRET_FIELDS else value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
