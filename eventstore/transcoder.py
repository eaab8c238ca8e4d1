"""The library's JSON format, decoded faster for case events.

`JSONTranscoder` calls a Python hook for every JSON object it decodes; a case event's data
holds only plain JSON, and its typed values (timestamps) sit at the top level. So: decode with
the C parser, then convert the top-level typed values. When typed values are nested anywhere
else, the library's own decoder runs instead. The stored bytes are exactly the library's.
"""

from __future__ import annotations

import json
from typing import Any

from eventsourcing.persistence import JSONTranscoder

TYPE_MARK = b'"_type_"'
# The typed (datetime) fields of CaseEventRecord; anything else typed takes the slow path.
TYPED_FIELDS = ("timestamp", "occurred_at")


class CaseTranscoder(JSONTranscoder):
    def decode(self, data: bytes) -> Any:
        value = json.loads(data.decode("utf8"))
        if type(value) is not dict:
            return super().decode(data)
        typed = 0
        for key in TYPED_FIELDS:
            item = value.get(key)
            if type(item) is dict:
                value[key] = self._decode_obj(item)
                typed += 1
        if data.count(TYPE_MARK) != typed:
            return super().decode(data)
        return value
