# ruff: noqa
# Examples for the rules in python-dangerous.yaml: lines marked ruleid must be found, ok not.
import ast
import json
import os
import pickle
import subprocess
import urllib.request

import requests
import yaml


def back_up(url, name):
    # ruleid: sendroute-no-shell-true
    subprocess.run(f"pg_dump {url} > {name}", shell=True, check=True)
    # ruleid: sendroute-no-shell-true
    os.system("pg_dump " + url)
    # ok: sendroute-no-shell-true
    subprocess.run(["pg_dump", "--dbname", url, "--file", name], check=True)


def read_saved(data):
    # ruleid: sendroute-no-pickle
    answers = pickle.loads(data)
    # ok: sendroute-no-pickle
    answers = json.loads(data)
    return answers


class _Loader(yaml.SafeLoader):
    """A safe loader of this module."""


class _FullLoader(yaml.FullLoader):
    """Not a safe loader."""


def read_pack(text):
    # ruleid: sendroute-yaml-load-needs-safe-loader
    a = yaml.load(text)
    # ruleid: sendroute-yaml-load-needs-safe-loader
    b = yaml.load(text, Loader=yaml.Loader)
    # ruleid: sendroute-yaml-load-needs-safe-loader
    c = yaml.unsafe_load(text)
    # ok: sendroute-yaml-load-needs-safe-loader
    d = yaml.safe_load(text)
    # ok: sendroute-yaml-load-needs-safe-loader
    e = yaml.load(text, Loader=yaml.SafeLoader)
    # ok: sendroute-yaml-load-needs-safe-loader
    f = yaml.load(text, Loader=_Loader)
    # ruleid: sendroute-yaml-load-needs-safe-loader
    g = yaml.load(text, Loader=_FullLoader)
    return a, b, c, d, e, f, g


def fetch(url):
    # ruleid: sendroute-http-call-needs-timeout
    requests.get(url)
    # ruleid: sendroute-http-call-needs-timeout
    urllib.request.urlopen(url)
    # ok: sendroute-http-call-needs-timeout
    requests.post(url, json={}, timeout=10)
    # ok: sendroute-http-call-needs-timeout
    return urllib.request.urlopen(url, timeout=10)


def compute(text):
    # ruleid: sendroute-no-eval
    value = eval(text)
    # ok: sendroute-no-eval
    value = ast.literal_eval(text)
    return value
