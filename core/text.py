"""Small text helpers every app uses."""


def shortened(text, limit):
    return text if len(text) <= limit else text[: limit - 1] + "…"
