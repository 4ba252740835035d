# A Flask application. Flask builds the `app(environ, start_response)` callable for you: the same
# WSGI server that runs app.py runs this one, mounted under /flask (so Flask sees SCRIPT_NAME=/flask).
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get('/')
def index():
    return 'Hello from Flask\n'


@app.get('/hello')
def hello():
    return jsonify(hello=request.args.get('name', 'world'), script_name=request.script_root)


@app.post('/form')
def form():
    return jsonify(fields=request.form.to_dict())


@app.get('/boom')
def boom():
    raise RuntimeError('this route fails on purpose')
