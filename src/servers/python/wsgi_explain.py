# Turns wsgiref.validate's terse complaints (and this server's own WSGI errors) into explanations a
# learner can act on: what the app did, what PEP 3333 says, and how to fix it. The lab shows them in
# the 500 response, in the lab log and in the request event's `error` field.
#
# Only PEP 3333's own rules fail a request. Where wsgiref.validate is stricter than the PEP
# (wsgi_validate.py lists where), its complaint is advice: advice() labels it as the validator's
# own rule for the lab log, and the request goes on. (One note, exc_info by keyword, is a rule of
# the PEP itself that the lab lets pass: advice() says so instead.)
import traceback

# (words found in the complaint, or the name of the validate function that complained,
#  explanation, the sentence of PEP 3333 it rests on)
EXPLANATIONS = [
    # This server's own checks of the head, made before anything is sent (wsgi_response.py).
    ('which is not a latin-1 character',
     'A header holds a character that latin-1 cannot carry (such as "€" or an emoji), so the server '
     'could not send it and answered 500 instead. HTTP headers are bytes; WSGI carries them as str '
     'holding latin-1 characters only. Keep headers ASCII: put text like this in the body, or '
     'percent-encode it.',
     'strings passed to start_response() as a status or as response headers must follow RFC 2616 '
     'with respect to encoding. That is, they must either be ISO-8859-1 characters, or use RFC 2047 '
     'MIME encoding'),
    ('is not a number of bytes',
     'Content-Length must be the body\'s size in bytes, written with digits only: '
     'str(len(body)), with body already encoded to bytes.',
     'If the application supplies a Content-Length header, the server should not transmit more '
     'bytes to the client than the header allows'),
    ('You should not return a string as your application iterator',
     'Your app returned a str or bytes object. A WSGI app returns an iterable of bytes: '
     'wrap the body in a list and encode it, e.g. return [body.encode("utf-8")].',
     'the application object must return an iterable yielding zero or more bytestrings'),
    ('Iterator yielded non-bytestring',
     'Your app\'s body iterable yielded something that is not bytes (often a str). '
     'Encode every piece: "text".encode("utf-8").',
     'the application object must return an iterable yielding zero or more bytestrings'),
    ('The application must return an iterator',
     'Your app returned None (a missing return statement?). Return an iterable of bytes, '
     'even if it is only an empty list.',
     'the application object must return an iterable yielding zero or more bytestrings'),
    ('start_response has not yet been called',
     'Your app started its body before calling start_response(status, headers).',
     'the application must invoke the start_response() callable before the iterable yields its '
     'first body bytestring'),
    ('Status must be of type str',
     'start_response got a status that is not a str (an int such as 200?). The status is a '
     'string with the code and the reason phrase: "200 OK".',
     'The status argument is a status string of the form "999 Message here"'),
    ('Status code',
     'The status must start with a three-digit code, then a space and a reason phrase: '
     '"200 OK", "404 Not Found".',
     'The status argument is a status string of the form "999 Message here"'),
    ('invalid literal for int()',
     'The status must start with a three-digit code, then a space and a reason phrase: '
     '"200 OK", "404 Not Found".',
     'The status argument is a status string of the form "999 Message here"'),
    ('must be of type list',
     'The headers must be a Python list of (name, value) tuples, not a dict or another type: '
     '[("Content-Type", "application/json")].',
     'response_headers is a list of (header_name, header_value) tuples. It must be a Python list; '
     'i.e. type(response_headers) is ListType'),
    ('Individual headers',
     'Each header must be a (name, value) tuple: ("Content-Type", "text/plain").',
     'response_headers is a list of (header_name, header_value) tuples'),
    ('Header name must be of type str',
     'A header name is not a str. Header names and values are native strings.',
     'header_name and header_value must be "native strings"'),
    ('Header value must be of type str',
     'A header value is not a str (Content-Length given as an int?). Convert it: str(len(body)).',
     'header_name and header_value must be "native strings"'),
    ('Bad header value',
     'A header value contains a control character (a newline?). Header values are one line.',
     'header values must not contain control characters, including carriage returns or linefeeds'),
    ('Bad header name',
     'A header name contains characters a header name may not have.',
     'header_name ... must not contain ... control characters'),
    ('is not a tuple',
     'The third argument of start_response must be the tuple sys.exc_info() returns.',
     'exc_info ... must be a Python sys.exc_info() tuple'),
    ('Invalid number of arguments',
     'start_response takes two or three positional arguments: status, headers and optionally exc_info.',
     'start_response(status, response_headers, exc_info=None)'),
    ('No keyword arguments allowed',
     'Pass the arguments positionally: start_response("200 OK", headers).',
     'start_response(status, response_headers, exc_info=None)'),
    ('input.close() must not be called',
     'Your app closed wsgi.input; only the server may.',
     'The application must not attempt to close wsgi.input'),
    ('errors.close() must not be called',
     'Your app closed wsgi.errors; only the server may.',
     'wsgi.errors ... the application must not close it'),
    ('Iterator read after closed',
     'Your app\'s body iterable was read after it was closed.',
     'the server must call close() when the request is done'),
    ('Iterator garbage collected without being closed',
     'The body iterable was thrown away without close() being called.',
     'the server or gateway must call the close() method upon completion of the current request'),
    # Complaints without words: named by the validate function that made them.
    ('InputWrapper.readline',
     'Call wsgi.input.readline() with at most one argument.',
     'readline() ... the optional "size" argument to readline()'),
    ('The write() callable takes a bytestring',      # this server's own words (wsgi_response.py)
     'The write() callable returned by start_response takes bytes, not str: write(b"...").',
     'The write() callable takes a bytestring'),
    ('WriteWrapper.__call__',
     'The write() callable returned by start_response takes bytes, not str: write(b"...").',
     'The write() callable takes a bytestring'),
    ('ErrorWrapper.write',
     'wsgi.errors is a text stream: write str to it, not bytes.',
     'wsgi.errors ... a "text mode" file'),
    # This server's own rules, raised from start_response.
    ('called a second time without exc_info',
     'start_response was called twice. Call it once; to replace the headers after an error, '
     'pass the error as the third argument: start_response(status, headers, sys.exc_info()).',
     'it is a fatal error to call start_response without the exc_info argument if start_response '
     'has already been called within the current invocation of the application'),
    ('before start_response',
     'Your app called write() before start_response.',
     'the application must invoke the start_response() callable before ... the write() callable'),
]


def explain(error):
    """A plain explanation for a WSGI mistake, or None for an ordinary bug in the app."""
    if not isinstance(error, AssertionError):
        return None
    text = str(error)
    where = _validate_frame(error)
    for words, explanation, quote in EXPLANATIONS:
        if words in text or words == where:
            said = 'the server' if type(error).__name__ in ('HeaderError', 'BodyError') else 'wsgiref.validate'
            return f'{explanation}\nPEP 3333: "{quote}".\n({said} said: {text or where})'
    if where:
        return f'wsgiref.validate found a WSGI mistake in {where}: {text}'
    return None


def _validate_frame(error):
    """'InputWrapper.read' when the innermost frame of the error is in wsgiref/validate.py."""
    frames = traceback.extract_tb(error.__traceback__)
    for frame in reversed(frames):
        if frame.filename.endswith(('wsgiref/validate.py', 'wsgi_server.py', 'wsgi_worker.py')) \
                and frame.name != 'assert_':
            if not frame.filename.endswith('validate.py'):
                return None
            # Which class? The source line does not say; the function name plus the file is enough
            # to tell read() from readline() and write().
            return _qualify(frame.name, frame.line or '')
    return None


def _qualify(name, line):
    if name in ('read', 'readline', 'readlines'):
        return f'InputWrapper.{name}'
    if name == '__call__':
        return 'WriteWrapper.__call__'
    if name == 'write':
        return 'ErrorWrapper.write'
    return name


# wsgiref.validate's rules beyond PEP 3333: (words of the complaint, what to do about it).
ADVICE = [
    ('No Content-Type header found',
     'PEP 3333 does not require a Content-Type, but without one a client can only guess what the '
     'body is: add one, such as ("Content-Type", "text/plain; charset=utf-8").'),
    ('Content-Type header found in a',
     'a 204 has no body, so a Content-Type there describes nothing (HTTP allows one on a 304).'),
    ('The Status header cannot be used',
     'the status goes in the first argument of start_response; a "Status" header is CGI\'s way.'),
    ('Names may not end in',
     'HTTP allows such a name, but it is almost always a typo.'),
    ('read() was called without a size',
     'portable apps read int(environ.get("CONTENT_LENGTH") or 0) bytes, because some servers '
     'and middleware (wsgiref.validate among them) want a size.'),
    ('exc_info by keyword',
     'pass it by position: start_response(status, headers, sys.exc_info()).'),
]


# Notes for a rule PEP 3333 itself states, which the lab still lets pass (wsgi_validate.py).
PEP_RULES_LET_PASS = ('exc_info by keyword',)


def advice(note):
    """One line for the lab log: a complaint that did not fail the request, labelled truly."""
    hint = next((text for words, text in ADVICE if words in note), '')
    if any(words in note for words in PEP_RULES_LET_PASS):
        label = 'a rule of PEP 3333 itself, which this lab lets pass (advice only, the request was not failed)'
    else:
        label = "wsgiref.validate's own rule, stricter than PEP 3333 (advice only, the request was not failed)"
    return f'{label}: {note}' + (f'. {hint}' if hint else '')
