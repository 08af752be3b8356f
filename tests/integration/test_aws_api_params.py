#!/usr/bin/env python3
"""Every AWS request driftmap sends is one the real API accepts.

The emulator (moto) ignores Query parameters it does not know; real AWS
rejects them (InvalidParameter / UnknownParameter) and the scope fails. This
test checks the wire against AWS's own API models (botocore's service-2.json,
the files the SDKs are generated from):

  * a scan (every resource type, two regions, IAM users) and a posture run
    (which collects ENIs, instances, launch templates, prefix lists, the
    credential report, ...) go through tests/tools/faultproxy.py --log;
  * every EC2/IAM/STS Query request: Action exists, Version is the model's,
    every parameter path (Filter.1.Value.2, PolicyArns.member.1, ...) is a
    member of the operation's input shape in that protocol's serialisation,
    required members are present;
  * every EKS REST request: method + path match an operation's requestUri,
    query-string parameters are that operation's querystring members.
Exit 77 (skipped) when moto_server, boto3 or botocore is missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
SRC = os.environ.get("DM_SOURCE_DIR", os.path.abspath(os.path.join(HERE, "../..")))
DM_BIN = os.environ.get("DM_BIN") or os.path.join(os.environ.get("DM_BUILD_DIR", "."), "driftmap")
REGIONS = ["us-east-1", "eu-west-1"]

try:
    import boto3  # noqa: F401
    from botocore.loaders import Loader
    import awsestate as est
except ImportError as e:
    print("SKIP: boto3/botocore missing (%s)" % e)
    sys.exit(77)
if not shutil.which("moto_server"):
    print("SKIP: moto_server not installed")
    sys.exit(77)

FAILS = []


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print("FAIL:", msg)
    return cond


# ---- the API models -----------------------------------------------------------------

class Model:
    def __init__(self, loader, service):
        m = loader.load_service_model(service, "service-2")
        self.meta = m["metadata"]
        self.ops = m["operations"]
        self.shapes = m["shapes"]
        self.protocol = self.meta["protocol"]


def cap(s):
    return s[:1].upper() + s[1:]


def wire_name(name, member, protocol):
    """The name of a structure member on the wire (botocore's serializers)."""
    if protocol == "ec2":
        if "queryName" in member:
            return member["queryName"]
        return cap(member.get("locationName", name))
    return member.get("locationName", name)


def check_path(model, shape_name, path, key, problems):
    """Is the dotted parameter `key` (remaining components `path`) valid for shape_name?"""
    shape = model.shapes[shape_name]
    t = shape["type"]
    if t == "structure":
        if not path:
            problems.append("%s: %s is a structure, no member given" % (key, shape_name))
            return
        for name, m in shape.get("members", {}).items():
            if wire_name(name, m, model.protocol) == path[0]:
                check_path(model, m["shape"], path[1:], key, problems)
                return
        problems.append("%s: '%s' is not a member of %s" % (key, path[0], shape_name))
    elif t == "list":
        if model.protocol == "query" and not shape.get("flattened"):
            if not path or path[0] != "member":
                problems.append("%s: list %s wants .member.N" % (key, shape_name))
                return
            path = path[1:]
        if not path or not path[0].isdigit() or int(path[0]) < 1:
            problems.append("%s: list %s wants a 1-based index" % (key, shape_name))
            return
        check_path(model, shape["member"]["shape"], path[1:], key, problems)
    elif t == "map":
        if len(path) < 3 or path[0] != "entry" or not path[1].isdigit() or path[2] not in ("key", "value"):
            problems.append("%s: map %s wants entry.N.key/value" % (key, shape_name))
            return
        sub = shape["key" if path[2] == "key" else "value"]["shape"]
        check_path(model, sub, path[3:], key, problems)
    elif path:
        problems.append("%s: %s is a scalar, has no '%s'" % (key, shape_name, ".".join(path)))


def check_query(model, req, problems):
    if req["method"] == "POST":
        params = urllib.parse.parse_qsl(req["body"], keep_blank_values=True)
    else:
        params = urllib.parse.parse_qsl(urllib.parse.urlsplit(req["path"]).query, keep_blank_values=True)
    d = dict(params)
    action = d.pop("Action", None)
    version = d.pop("Version", None)
    if action not in model.ops:
        problems.append("unknown action %r" % action)
        return action
    if version != model.meta["apiVersion"]:
        problems.append("%s: Version %r, the API is %s" % (action, version, model.meta["apiVersion"]))
    op = model.ops[action]
    inp = op.get("input", {}).get("shape")
    if not inp:
        if d:
            problems.append("%s takes no parameters, got %s" % (action, sorted(d)))
        return action
    for key in d:
        check_path(model, inp, key.split("."), "%s %s" % (action, key), problems)
    shape = model.shapes[inp]
    sent = {k.split(".")[0] for k in d}
    for req_m in shape.get("required", []):
        if wire_name(req_m, shape["members"][req_m], model.protocol) not in sent:
            problems.append("%s: required parameter %s missing" % (action, req_m))
    return action


def uri_regex(uri):
    path = uri.split("?")[0]
    out = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{"):
            out += ".+" if part.endswith("+}") else "[^/]+"
        else:
            out += re.escape(part)
    return re.compile("^" + out + "$")


def check_rest(model, req, problems):
    u = urllib.parse.urlsplit(req["path"])
    for name, op in model.ops.items():
        http = op["http"]
        if http["method"] != req["method"] or not uri_regex(http["requestUri"]).match(u.path):
            continue
        inp = op.get("input", {}).get("shape")
        members = model.shapes[inp].get("members", {}) if inp else {}
        qs = {m.get("locationName", n) for n, m in members.items() if m.get("location") == "querystring"}
        for k, _ in urllib.parse.parse_qsl(u.query, keep_blank_values=True):
            if k not in qs:
                problems.append("%s %s: query parameter %r not in %s" % (req["method"], u.path, k, name))
        return name
    problems.append("%s %s matches no operation" % (req["method"], u.path))
    return None


def validate(log_path, models):
    seen = {}
    with open(log_path) as f:
        reqs = [json.loads(line) for line in f if line.strip()]
    for req in reqs:
        svc = req["service"]
        model = models.get(svc)
        problems = []
        if model is None:
            check(False, "request to a service the test has no model for: %s %s" % (svc, req["path"]))
            continue
        if model.protocol in ("ec2", "query"):
            op = check_query(model, req, problems)
        else:
            op = check_rest(model, req, problems)
        seen.setdefault(svc, set()).add(op)
        for p in problems:
            check(False, "%s: %s" % (svc, p))
    return reqs, seen


def run(args, moto_url, proxy_url, tmp):
    env = dict(os.environ)
    env.update(est.aws_env(proxy_url))
    env["HOME"] = tmp
    env["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")
    return subprocess.run([DM_BIN] + args, env=env, capture_output=True, text=True, timeout=300)


def main():
    tmp = tempfile.mkdtemp(prefix="dm-api-params-")
    repo = os.path.join(tmp, "repo")
    log = os.path.join(tmp, "requests.jsonl")
    proxy = None
    try:
        loader = Loader()
        models = {s: Model(loader, s) for s in ("ec2", "iam", "sts", "eks")}
        # the validator itself: requests real AWS rejects (the first one was a real bug)
        for svc, req in (
                ("ec2", {"method": "POST", "path": "/", "body": "Action=DescribeLaunchTemplateVersions"
                         "&Version=2016-11-15&LaunchTemplateVersions.1=%24Latest"}),
                ("ec2", {"method": "POST", "path": "/", "body": "Action=DescribeVpcs&Version=2016-11-15"
                         "&Filter.1.Name=vpc-id&Filter.1.Values.1=vpc-1"}),
                ("ec2", {"method": "POST", "path": "/", "body": "Action=DescribeVpcAttribute"
                         "&Version=2016-11-15&VpcId=vpc-1"}),
                ("iam", {"method": "POST", "path": "/", "body": "Action=GetAccountAuthorizationDetails"
                         "&Version=2010-05-08&Filter.1=Role"}),
                ("eks", {"method": "GET", "path": "/clusters?maxresults=10", "body": ""})):
            problems = []
            (check_query if svc != "eks" else check_rest)(models[svc], req, problems)
            check(problems, "validator accepts a request AWS rejects: %s" % (req["body"] or req["path"]))
        with est.Moto() as moto:
            est.build_two_region_estate(moto, REGIONS, 11, "api-eks", repo)
            proxy = est.FaultProxy(moto.url, "--log", log)

            regions = []
            for r in REGIONS:
                regions += ["--region", r]
            p = run(["scan", "--state", "git::%s//envs/prod.tfstate?ref=main" % repo] + regions +
                    ["--format", "json", "--quiet"], moto.url, proxy.url, tmp)
            check(p.returncode == 0, "scan through the logging proxy: exit %d (%s)" % (
                p.returncode, p.stderr[-500:]))
            out = os.path.join(tmp, "posture.json")
            p = run(["posture"] + regions + ["--quiet", "--output", "json=" + out],
                    moto.url, proxy.url, tmp)
            # 3: moto has no DescribeClusterVersions (the scope is reported incomplete)
            check(p.returncode in (0, 2, 3) and os.path.exists(out),
                  "posture through the logging proxy: exit %d (%s)" % (p.returncode, p.stderr[-500:]))
            proxy.stop()

        reqs, seen = validate(log, models)
        ops = sorted("%s:%s" % (s, o) for s, v in seen.items() for o in v if o)
        print("%d requests, %d distinct operations checked against botocore:" % (len(reqs), len(ops)))
        print("  " + " ".join(ops))
        # the run must have exercised the APIs this test exists for
        for must in ("ec2:DescribeVpcs", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcAttribute",
                     "ec2:DescribeNetworkInterfaces", "ec2:DescribeLaunchTemplateVersions",
                     "iam:GetAccountAuthorizationDetails", "sts:GetCallerIdentity",
                     "eks:ListClusters", "eks:DescribeCluster", "eks:DescribeNodegroup"):
            check(must in ops, "the runs never called %s" % must)
    finally:
        if proxy:
            proxy.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("ok: every request matches the AWS API models")
    return 0


if __name__ == "__main__":
    sys.exit(main())
