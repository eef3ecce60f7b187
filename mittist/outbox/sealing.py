"""The message's rendered text, sealed with the field encryption key while it waits in the outbox."""

import base64
import json

from mittist import crypto


def seal_content(subject: str, text: str, html: str, attachments=()) -> str:
    packed = []
    for filename, content, mimetype in attachments:
        if isinstance(content, str):
            packed.append({"filename": filename, "text": content, "mimetype": mimetype})
        else:
            packed.append({"filename": filename, "base64": base64.b64encode(content).decode(), "mimetype": mimetype})
    return crypto.encrypt(json.dumps({"subject": subject, "text": text, "html": html, "attachments": packed}))


def open_content(sealed: str) -> dict:
    content = json.loads(crypto.decrypt(sealed))
    content["attachments"] = [
        (a["filename"], a["text"] if "text" in a else base64.b64decode(a["base64"]), a["mimetype"])
        for a in content.get("attachments", [])
    ]
    return content
