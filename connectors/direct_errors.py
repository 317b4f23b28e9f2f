"""The exceptions requests raises for urllib3's, for connectors/direct_post.py: the direct path fails as requests'
own would, so `connectors.http.describe_failure` and each connector's translation see what they always saw."""

from typing import Any, NoReturn

import requests
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    DecodeError,
    InvalidHeader,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import ProxyError as UrllibProxyError
from urllib3.exceptions import SSLError as UrllibSSLError


def translate(err: BaseException, request: Any) -> NoReturn:
    """Raise what requests.adapters.HTTPAdapter.send raises when `urlopen` raised `err` (its except clauses in
    their order); anything it lets through is raised unchanged."""
    if isinstance(err, ProtocolError | OSError):
        raise requests.ConnectionError(err, request=request) from err
    if isinstance(err, MaxRetryError):
        if isinstance(err.reason, ConnectTimeoutError) and not isinstance(err.reason, NewConnectionError):
            raise requests.ConnectTimeout(err, request=request) from err
        if isinstance(err.reason, ResponseError):
            raise requests.exceptions.RetryError(err, request=request) from err
        if isinstance(err.reason, UrllibProxyError):
            raise requests.exceptions.ProxyError(err, request=request) from err
        if isinstance(err.reason, UrllibSSLError):
            raise requests.exceptions.SSLError(err, request=request) from err
        raise requests.ConnectionError(err, request=request) from err
    if isinstance(err, ClosedPoolError):
        raise requests.ConnectionError(err, request=request) from err
    if isinstance(err, UrllibProxyError):
        raise requests.exceptions.ProxyError(err) from err
    if isinstance(err, UrllibSSLError):
        raise requests.exceptions.SSLError(err, request=request) from err
    if isinstance(err, ReadTimeoutError):
        raise requests.ReadTimeout(err, request=request) from err
    if isinstance(err, InvalidHeader):
        raise requests.exceptions.InvalidHeader(err, request=request) from err
    raise err


def translate_read(err: BaseException) -> NoReturn:
    """Raise what requests.Response.iter_content raises when reading the answer raised `err`."""
    if isinstance(err, ProtocolError):
        raise requests.exceptions.ChunkedEncodingError(err) from err
    if isinstance(err, DecodeError):
        raise requests.exceptions.ContentDecodingError(err) from err
    if isinstance(err, ReadTimeoutError):
        raise requests.ConnectionError(err) from err
    if isinstance(err, UrllibSSLError):
        raise requests.exceptions.SSLError(err) from err
    raise err
