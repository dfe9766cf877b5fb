"""The baseline: a bare Flask "hello world", served the same way as devreg."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, world!"
