"""Helpers for the AWS integration tests and scripts: start/stop moto_server on
loopback, build an estate of every supported type through the AWS API (boto3),
and write the Terraform v4 state the AWS provider v5 would have written for it.

Used by tests/integration/test_aws_estate.py, scripts/record_aws_responses.py
and bench/aws_scan_bench.py.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

ACCOUNT = "123456789012"
FAULTPROXY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "faultproxy.py")


# ---------------------------------------------------------------- moto -----

class Moto:
    """moto_server on 127.0.0.1 (free port); stopped by PID."""

    def __init__(self, extra_env=None):
        self.proc = None
        self.port = None
        self.extra_env = extra_env or {}

    def start(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        env = dict(os.environ)
        env.update(self.extra_env)
        self.proc = subprocess.Popen(
            ["moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("moto_server exited early")
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1).read()
                return self
            except Exception:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("moto_server did not become ready")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def post(self, path, data=b""):
        req = urllib.request.Request(self.url + path, data=data, method="POST")
        return urllib.request.urlopen(req, timeout=10).read()

    def reset(self, seed=None):
        self.post("/moto-api/reset")
        if seed is not None:
            self.post("/moto-api/seed?a=%d" % seed)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *a):
        self.stop()


class FaultProxy:
    """tests/tools/faultproxy.py on 127.0.0.1 in front of `upstream` (free port, printed on
    its stdout); extra args as on its command line; stopped by PID. upstream None: no
    --upstream (a replay); script: another server speaking the same control API
    (tests/tools/replayserver.py)."""

    def __init__(self, upstream, *args, script=FAULTPROXY):
        up = ["--upstream", upstream] if upstream else []
        self.proc = subprocess.Popen([sys.executable, script] + up + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not re.match(r"^\d+\s*$", line or ""):
            self.stop()
            raise RuntimeError("faultproxy printed no port: %r" % line)
        self.port = int(line)
        # drain stderr so the proxy never blocks on a full pipe
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def config(self, **cfg):
        req = urllib.request.Request(self.url + "/__faultproxy/config", data=json.dumps(cfg).encode(),
                                     method="POST")
        return json.loads(urllib.request.urlopen(req, timeout=10).read())

    def stats(self):
        return json.loads(urllib.request.urlopen(self.url + "/__faultproxy/stats", timeout=10).read())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


def aws_env(moto_url):
    """Environment for boto3 and driftmap pointing at the emulator."""
    return {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def clients(moto_url, region):
    import boto3
    sess = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                 region_name=region)
    mk = lambda svc: sess.client(svc, endpoint_url=moto_url)
    return {"ec2": mk("ec2"), "iam": mk("iam"), "eks": mk("eks"), "logs": mk("logs"),
            "sts": mk("sts")}


# -------------------------------------------------------------- estate -----

TRUST_EC2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
TRUST_EKS = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": ["eks.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]}
TRUST_FLOW = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
     "Action": "sts:AssumeRole"}]}
POLICY_READ = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": "*"}]}
POLICY_LOGS = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]}
INLINE_S3 = {"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadBucket", "Effect": "Allow", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::example-bucket/*"}]}


def tags(**kw):
    return [{"Key": k, "Value": v} for k, v in kw.items()]


def build_iam(c, prefix="app"):
    """Global IAM part of the estate. Returns a dict of names/arns."""
    iam = c["iam"]
    out = {}
    pol = iam.create_policy(PolicyName=prefix + "-read", Path="/",
                            PolicyDocument=json.dumps(POLICY_READ), Description="read ec2",
                            Tags=tags(Team="platform"))["Policy"]
    out["policy_read"] = pol["Arn"]
    pol2 = iam.create_policy(PolicyName=prefix + "-logs", Path="/service/",
                             PolicyDocument=json.dumps(POLICY_LOGS))["Policy"]
    out["policy_logs"] = pol2["Arn"]
    iam.create_role(RoleName=prefix + "-node", AssumeRolePolicyDocument=json.dumps(TRUST_EC2),
                    Description="worker nodes", MaxSessionDuration=7200,
                    Tags=tags(Team="platform", Env="prod"))
    iam.attach_role_policy(RoleName=prefix + "-node", PolicyArn=out["policy_read"])
    iam.put_role_policy(RoleName=prefix + "-node", PolicyName="s3-read",
                        PolicyDocument=json.dumps(INLINE_S3))
    iam.create_instance_profile(InstanceProfileName=prefix + "-node-profile")
    iam.add_role_to_instance_profile(InstanceProfileName=prefix + "-node-profile",
                                     RoleName=prefix + "-node")
    iam.create_role(RoleName=prefix + "-eks", AssumeRolePolicyDocument=json.dumps(TRUST_EKS),
                    Path="/eks/")
    iam.create_role(RoleName=prefix + "-flowlogs", AssumeRolePolicyDocument=json.dumps(TRUST_FLOW))
    iam.attach_role_policy(RoleName=prefix + "-flowlogs", PolicyArn=out["policy_logs"])
    out["roles"] = [prefix + "-node", prefix + "-eks", prefix + "-flowlogs"]
    out["role_eks_arn"] = "arn:aws:iam::%s:role/eks/%s-eks" % (ACCOUNT, prefix)
    out["role_node_arn"] = "arn:aws:iam::%s:role/%s-node" % (ACCOUNT, prefix)
    out["role_flow_arn"] = "arn:aws:iam::%s:role/%s-flowlogs" % (ACCOUNT, prefix)
    return out


POLICY_DEPLOY = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::example-bucket/*"}]}
POLICY_OPS = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["ec2:Describe*", "logs:Get*"], "Resource": "*"}]}


def build_iam_users(c, iam_ids, prefix="app"):
    """IAM users and groups (after build_iam). Every Terraform representation once:
    app-deployer: inline aws_iam_user_policy + aws_iam_user_policy_attachment, member of app-ops
    through aws_iam_group_membership; app-auditor: member of app-readers through
    aws_iam_user_group_membership; app-ops: aws_iam_group_policy + aws_iam_group_policy_attachment."""
    iam = c["iam"]
    out = {"deployer": prefix + "-deployer", "auditor": prefix + "-auditor",
           "ops": prefix + "-ops", "readers": prefix + "-readers"}
    iam.create_user(UserName=out["deployer"], Path="/ci/", Tags=tags(Team="platform"))
    iam.put_user_policy(UserName=out["deployer"], PolicyName="deploy",
                        PolicyDocument=json.dumps(POLICY_DEPLOY))
    iam.attach_user_policy(UserName=out["deployer"], PolicyArn=iam_ids["policy_read"])
    iam.create_user(UserName=out["auditor"])
    iam.create_group(GroupName=out["ops"])
    iam.put_group_policy(GroupName=out["ops"], PolicyName="ops", PolicyDocument=json.dumps(POLICY_OPS))
    iam.attach_group_policy(GroupName=out["ops"], PolicyArn=iam_ids["policy_logs"])
    iam.create_group(GroupName=out["readers"], Path="/audit/")
    iam.add_user_to_group(GroupName=out["ops"], UserName=out["deployer"])
    iam.add_user_to_group(GroupName=out["readers"], UserName=out["auditor"])
    return out


def write_iam_users(w, c, iam_ids, u):
    """The Terraform state of build_iam_users (provider v5 shapes, as in corpus/)."""
    iam = c["iam"]
    for key in ("deployer", "auditor"):
        r = iam.get_user(UserName=u[key])["User"]
        t = tagmap(iam.list_user_tags(UserName=u[key]).get("Tags"))
        w.add("aws_iam_user", key, {
            "arn": r["Arn"], "force_destroy": False, "id": r["UserName"], "name": r["UserName"],
            "path": r["Path"], "permissions_boundary": None, "tags": t or None, "tags_all": t,
            "unique_id": r["UserId"]})
    for key in ("ops", "readers"):
        g = iam.get_group(GroupName=u[key])["Group"]
        w.add("aws_iam_group", key, {
            "arn": g["Arn"], "id": g["GroupName"], "name": g["GroupName"], "path": g["Path"],
            "unique_id": g["GroupId"]})
    up = iam.get_user_policy(UserName=u["deployer"], PolicyName="deploy")
    doc = up["PolicyDocument"]
    w.add("aws_iam_user_policy", "deploy", {
        "id": "%s:deploy" % u["deployer"], "name": "deploy", "name_prefix": "",
        "policy": doc if isinstance(doc, str) else json.dumps(doc), "user": u["deployer"]})
    w.add("aws_iam_user_policy_attachment", "deployer_read", {
        "id": "%s-20261123101500123400000002" % u["deployer"], "policy_arn": iam_ids["policy_read"],
        "user": u["deployer"]})
    gp = iam.get_group_policy(GroupName=u["ops"], PolicyName="ops")
    doc = gp["PolicyDocument"]
    w.add("aws_iam_group_policy", "ops", {
        "group": u["ops"], "id": "%s:ops" % u["ops"], "name": "ops", "name_prefix": None,
        "policy": doc if isinstance(doc, str) else json.dumps(doc)})
    w.add("aws_iam_group_policy_attachment", "ops_logs", {
        "group": u["ops"], "id": "%s-20261123101500123400000003" % u["ops"],
        "policy_arn": iam_ids["policy_logs"]})
    w.add("aws_iam_group_membership", "ops", {
        "group": u["ops"], "id": "ops-members", "name": "ops-members", "users": [u["deployer"]]})
    w.add("aws_iam_user_group_membership", "auditor", {
        "groups": [u["readers"]], "id": "terraform-20261123101500123400000004", "user": u["auditor"]})
    return w


def build_region(c, region, iam, cidr2="10.0", with_eks=True, prefix="prod", eks_name=None,
                 spare=True):
    """Networking + EKS of one region. Returns ids."""
    ec2 = c["ec2"]
    o = {"region": region}
    vpc = ec2.create_vpc(CidrBlock=cidr2 + ".0.0/16",
                         TagSpecifications=[{"ResourceType": "vpc",
                                             "Tags": tags(Name=prefix + "-vpc", Env="prod")}])["Vpc"]
    o["vpc"] = vpc["VpcId"]
    ec2.modify_vpc_attribute(VpcId=o["vpc"], EnableDnsHostnames={"Value": True})
    peer = ec2.create_vpc(CidrBlock="172.31.0.0/16" if False else cidr2.replace("10.", "10.1") + ".0.0/16",
                          TagSpecifications=[{"ResourceType": "vpc",
                                              "Tags": tags(Name=prefix + "-peer")}])["Vpc"]
    o["peer_vpc"] = peer["VpcId"]
    azs = [region + "a", region + "b"]
    o["subnets"] = []
    for i, (name, az) in enumerate([("public", azs[0]), ("private", azs[1])]):
        sn = ec2.create_subnet(VpcId=o["vpc"], CidrBlock="%s.%d.0/24" % (cidr2, i + 1),
                               AvailabilityZone=az,
                               TagSpecifications=[{"ResourceType": "subnet",
                                                   "Tags": tags(Name="%s-%s" % (prefix, name))}])
        o["subnets"].append(sn["Subnet"]["SubnetId"])
    ec2.modify_subnet_attribute(SubnetId=o["subnets"][0], MapPublicIpOnLaunch={"Value": True})
    o["extra_subnets"] = []
    if spare:  # a subnet nothing depends on (deleted by the tests)
        sp = ec2.create_subnet(VpcId=o["vpc"], CidrBlock="%s.9.0/24" % cidr2, AvailabilityZone=azs[0],
                               TagSpecifications=[{"ResourceType": "subnet",
                                                   "Tags": tags(Name="%s-spare" % prefix)}])
        o["extra_subnets"].append(sp["Subnet"]["SubnetId"])
    igw = ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": tags(Name=prefix + "-igw")}])
    o["igw"] = igw["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=o["igw"], VpcId=o["vpc"])
    eip = ec2.allocate_address(Domain="vpc", TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": tags(Name=prefix + "-nat")}])
    o["eip"] = eip["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=o["subnets"][0], AllocationId=o["eip"],
                                 TagSpecifications=[{"ResourceType": "natgateway",
                                                     "Tags": tags(Name=prefix + "-nat")}])
    o["nat"] = nat["NatGateway"]["NatGatewayId"]
    # route tables
    rt_pub = ec2.create_route_table(VpcId=o["vpc"], TagSpecifications=[
        {"ResourceType": "route-table", "Tags": tags(Name=prefix + "-public")}])["RouteTable"]
    o["rt_public"] = rt_pub["RouteTableId"]
    ec2.create_route(RouteTableId=o["rt_public"], DestinationCidrBlock="0.0.0.0/0",
                     GatewayId=o["igw"])
    rt_priv = ec2.create_route_table(VpcId=o["vpc"], TagSpecifications=[
        {"ResourceType": "route-table", "Tags": tags(Name=prefix + "-private")}])["RouteTable"]
    o["rt_private"] = rt_priv["RouteTableId"]
    ec2.create_route(RouteTableId=o["rt_private"], DestinationCidrBlock="0.0.0.0/0",
                     NatGatewayId=o["nat"])
    o["assoc_public"] = ec2.associate_route_table(RouteTableId=o["rt_public"],
                                                  SubnetId=o["subnets"][0])["AssociationId"]
    o["assoc_private"] = ec2.associate_route_table(RouteTableId=o["rt_private"],
                                                   SubnetId=o["subnets"][1])["AssociationId"]
    # main route table replaced by a managed one
    rt_main = ec2.create_route_table(VpcId=o["vpc"], TagSpecifications=[
        {"ResourceType": "route-table", "Tags": tags(Name=prefix + "-main")}])["RouteTable"]
    o["rt_main"] = rt_main["RouteTableId"]
    rts = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [o["vpc"]]},
                                             {"Name": "association.main", "Values": ["true"]}])
    main = rts["RouteTables"][0]
    o["rt_default"] = main["RouteTableId"]
    main_assoc = [a for a in main["Associations"] if a.get("Main")][0]["RouteTableAssociationId"]
    o["main_assoc"] = ec2.replace_route_table_association(
        AssociationId=main_assoc, RouteTableId=o["rt_main"])["NewAssociationId"]
    # peering
    pcx = ec2.create_vpc_peering_connection(VpcId=o["vpc"], PeerVpcId=o["peer_vpc"],
                                            TagSpecifications=[{"ResourceType": "vpc-peering-connection",
                                                                "Tags": tags(Name=prefix + "-peering")}])
    o["pcx"] = pcx["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=o["pcx"])
    ec2.create_route(RouteTableId=o["rt_private"], DestinationCidrBlock=cidr2.replace("10.", "10.1") + ".0.0/16",
                     VpcPeeringConnectionId=o["pcx"])
    # security groups
    app = ec2.create_security_group(GroupName=prefix + "-app", Description="app tier", VpcId=o["vpc"],
                                    TagSpecifications=[{"ResourceType": "security-group",
                                                        "Tags": tags(Name=prefix + "-app")}])
    o["sg_app"] = app["GroupId"]
    web = ec2.create_security_group(GroupName=prefix + "-web", Description="web tier", VpcId=o["vpc"])
    o["sg_web"] = web["GroupId"]
    db = ec2.create_security_group(GroupName=prefix + "-db", Description="db tier", VpcId=o["vpc"])
    o["sg_db"] = db["GroupId"]
    # web: inline representation (several shapes)
    ec2.authorize_security_group_ingress(GroupId=o["sg_web"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}],
         "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": "https"}]},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "192.168.0.0/16"}]},
        {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1,
         "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "ping"}]},
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": o["sg_web"]}]},
    ])
    # app: aws_security_group_rule representation
    ec2.authorize_security_group_ingress(GroupId=o["sg_app"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "UserIdGroupPairs": [{"GroupId": o["sg_web"], "Description": "from web"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
    ])
    # db: aws_vpc_security_group_ingress_rule representation
    ec2.authorize_security_group_ingress(GroupId=o["sg_db"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "UserIdGroupPairs": [{"GroupId": o["sg_app"]}]},
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]},
    ])
    # NACL
    acl = ec2.create_network_acl(VpcId=o["vpc"], TagSpecifications=[
        {"ResourceType": "network-acl", "Tags": tags(Name=prefix + "-private")}])["NetworkAcl"]
    o["acl"] = acl["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=o["acl"], RuleNumber=100, Protocol="6",
                                 RuleAction="allow", Egress=False, CidrBlock="10.0.0.0/8",
                                 PortRange={"From": 443, "To": 443})
    ec2.create_network_acl_entry(NetworkAclId=o["acl"], RuleNumber=200, Protocol="-1",
                                 RuleAction="deny", Egress=False, CidrBlock="192.168.0.0/16")
    ec2.create_network_acl_entry(NetworkAclId=o["acl"], RuleNumber=100, Protocol="-1",
                                 RuleAction="allow", Egress=True, CidrBlock="0.0.0.0/0")
    # move the private subnet to this NACL
    acls = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id",
                                               "Values": [o["subnets"][1]]}])["NetworkAcls"]
    for a in acls[0]["Associations"]:
        if a["SubnetId"] == o["subnets"][1]:
            o["acl_assoc"] = ec2.replace_network_acl_association(
                AssociationId=a["NetworkAclAssociationId"], NetworkAclId=o["acl"])["NewAssociationId"]
    # flow log
    lg = "/vpc/%s-flow" % prefix
    c["logs"].create_log_group(logGroupName=lg)
    o["log_group"] = lg
    fl = ec2.create_flow_logs(ResourceIds=[o["vpc"]], ResourceType="VPC", TrafficType="ALL",
                              LogGroupName=lg, DeliverLogsPermissionArn=iam["role_flow_arn"],
                              TagSpecifications=[{"ResourceType": "vpc-flow-log",
                                                  "Tags": tags(Name=prefix + "-flow")}])
    o["flow_log"] = fl["FlowLogIds"][0]
    # endpoint
    ep = ec2.create_vpc_endpoint(VpcId=o["vpc"], ServiceName="com.amazonaws.%s.s3" % region,
                                 VpcEndpointType="Gateway", RouteTableIds=[o["rt_private"]],
                                 TagSpecifications=[{"ResourceType": "vpc-endpoint",
                                                     "Tags": tags(Name=prefix + "-s3")}])
    o["vpce"] = ep["VpcEndpoint"]["VpcEndpointId"]
    # EKS
    if with_eks:
        eks = c["eks"]
        cl = eks.create_cluster(name=eks_name or prefix + "-eks", version="1.29", roleArn=iam["role_eks_arn"],
                                resourcesVpcConfig={"subnetIds": o["subnets"],
                                                    "securityGroupIds": [o["sg_app"]],
                                                    "endpointPublicAccess": True,
                                                    "endpointPrivateAccess": False},
                                logging={"clusterLogging": [{"types": ["api", "audit"], "enabled": True}]},
                                tags={"Env": "prod"})
        o["eks"] = cl["cluster"]["name"]
        ng = eks.create_nodegroup(clusterName=o["eks"], nodegroupName="default",
                                  scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2},
                                  subnets=[o["subnets"][1]], instanceTypes=["t3.large"],
                                  nodeRole=iam["role_node_arn"], labels={"tier": "app"},
                                  tags={"Env": "prod"})
        o["nodegroup"] = ng["nodegroup"]["nodegroupName"]
    return o


# ------------------------------------------------------- terraform state -----
#
# The state the Terraform AWS provider v5 writes for the estate: attributes in
# its schema, read back from the API the way its Read functions do, with a mix
# of representations (inline SG blocks, aws_security_group_rule,
# aws_vpc_security_group_*_rule, inline routes and aws_route, attachments as
# their own resources and as managed_policy_arns, ...).

PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]'


class StateWriter:
    def __init__(self):
        self.resources = []

    def add(self, type_, name, attrs, module=None, index_key=None, schema_version=0, deps=None):
        inst = {"schema_version": schema_version, "attributes": attrs, "sensitive_attributes": []}
        if index_key is not None:
            inst["index_key"] = index_key
        if deps:
            inst["dependencies"] = deps
        for r in self.resources:
            if r["type"] == type_ and r["name"] == name and r.get("module") == module:
                r["instances"].append(inst)
                return
        r = {"mode": "managed", "type": type_, "name": name, "provider": PROVIDER, "instances": [inst]}
        if module:
            r["module"] = module
        self.resources.append(r)

    def document(self, serial=1):
        return {"version": 4, "terraform_version": "1.11.4", "serial": serial,
                "lineage": "8d3c1f0e-6a7b-4c2d-9e10-driftmap-test", "outputs": {},
                "resources": self.resources, "check_results": None}


def tagmap(tl):
    return {t["Key"]: t["Value"] for t in (tl or [])}


def sg_blocks(perms, group_id, owner):
    """securityGroupIPPermGather: one block per (protocol, from, to, description)."""
    rules = {}
    order = []

    def rule(p, desc):
        k = (p["IpProtocol"], p.get("FromPort", 0), p.get("ToPort", 0), desc)
        if k not in rules:
            rules[k] = {"cidr_blocks": [], "description": desc, "from_port": k[1],
                        "ipv6_cidr_blocks": [], "prefix_list_ids": [], "protocol": k[0],
                        "security_groups": [], "self": False, "to_port": k[2]}
            order.append(k)
        return rules[k]

    for p in perms:
        for r in p.get("IpRanges", []):
            rule(p, r.get("Description", ""))["cidr_blocks"].append(r["CidrIp"])
        for r in p.get("Ipv6Ranges", []):
            rule(p, r.get("Description", ""))["ipv6_cidr_blocks"].append(r["CidrIpv6"])
        for r in p.get("PrefixListIds", []):
            rule(p, r.get("Description", ""))["prefix_list_ids"].append(r["PrefixListId"])
        for g in p.get("UserIdGroupPairs", []):
            b = rule(p, g.get("Description", ""))
            if g["GroupId"] == group_id:
                b["self"] = True
            elif g.get("UserId") and g["UserId"] != owner:
                b["security_groups"].append(g["UserId"] + "/" + g["GroupId"])
            else:
                b["security_groups"].append(g["GroupId"])
    return [rules[k] for k in order]


def _route_attrs(r):
    gw = r.get("GatewayId", "")
    return {"carrier_gateway_id": "", "cidr_block": r.get("DestinationCidrBlock", ""),
            "core_network_arn": "", "destination_prefix_list_id": "", "egress_only_gateway_id": "",
            "gateway_id": gw if not gw.startswith("vpce-") else "", "ipv6_cidr_block": "",
            "local_gateway_id": "", "nat_gateway_id": r.get("NatGatewayId", ""),
            "network_interface_id": "", "transit_gateway_id": "",
            "vpc_endpoint_id": gw if gw.startswith("vpce-") else "",
            "vpc_peering_connection_id": r.get("VpcPeeringConnectionId", "")}


def write_state(c_by_region, iam_ids, ests, w=None):
    """Append the whole estate to a StateWriter (created when w is None) and return it."""
    w = w or StateWriter()
    iam = c_by_region[next(iter(c_by_region))]["iam"]
    # ---- IAM (root module)
    for key, arn in (("read", iam_ids["policy_read"]), ("logs", iam_ids["policy_logs"])):
        p = iam.get_policy(PolicyArn=arn)["Policy"]
        v = iam.get_policy_version(PolicyArn=arn, VersionId=p["DefaultVersionId"])["PolicyVersion"]
        doc = v["Document"]
        doc = doc if isinstance(doc, str) else json.dumps(doc)
        w.add("aws_iam_policy", key, {
            "arn": arn, "attachment_count": p.get("AttachmentCount", 0),
            "description": p.get("Description", ""), "id": arn, "name": p["PolicyName"],
            "name_prefix": "", "path": p["Path"], "policy": doc, "policy_id": p.get("PolicyId", ""),
            "tags": tagmap(p.get("Tags")) or None, "tags_all": tagmap(p.get("Tags"))})
    roles = {"node": "app-node", "eks": "app-eks", "flowlogs": "app-flowlogs"}
    for key, name in roles.items():
        r = iam.get_role(RoleName=name)["Role"]
        trust = r["AssumeRolePolicyDocument"]
        trust = trust if isinstance(trust, str) else json.dumps(trust)
        attached = [a["PolicyArn"] for a in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
        # representations: app-flowlogs declares its attachment inline (managed_policy_arns);
        # app-node uses aws_iam_role_policy_attachment + aws_iam_role_policy resources
        w.add("aws_iam_role", key, {
            "arn": r["Arn"], "assume_role_policy": trust, "create_date": r["CreateDate"].isoformat(),
            "description": r.get("Description", ""), "force_detach_policies": False, "id": name,
            "inline_policy": [], "managed_policy_arns": attached if key == "flowlogs" else [],
            "max_session_duration": r.get("MaxSessionDuration", 3600), "name": name,
            "name_prefix": "", "path": r["Path"], "permissions_boundary": "",
            "tags": tagmap(r.get("Tags")) or None, "tags_all": tagmap(r.get("Tags")),
            "unique_id": r["RoleId"]})
    w.add("aws_iam_role_policy_attachment", "node_read", {
        "id": "app-node-20261123101500123400000001", "policy_arn": iam_ids["policy_read"],
        "role": "app-node"})
    rp = iam.get_role_policy(RoleName="app-node", PolicyName="s3-read")
    doc = rp["PolicyDocument"]
    w.add("aws_iam_role_policy", "node_s3", {
        "id": "app-node:s3-read", "name": "s3-read", "name_prefix": "",
        "policy": doc if isinstance(doc, str) else json.dumps(doc), "role": "app-node"})
    ip = iam.get_instance_profile(InstanceProfileName="app-node-profile")["InstanceProfile"]
    w.add("aws_iam_instance_profile", "node", {
        "arn": ip["Arn"], "create_date": ip["CreateDate"].isoformat(), "id": ip["InstanceProfileName"],
        "name": ip["InstanceProfileName"], "name_prefix": "", "path": ip["Path"], "role": "app-node",
        "tags": None, "tags_all": {}, "unique_id": ip["InstanceProfileId"]})
    # ---- networking + EKS, one module per region
    for idx, (region, o) in enumerate(ests.items()):
        _write_region(w, c_by_region[region], o, "module.net_%s" % region.replace("-", "_"), idx)
    return w


def _write_region(w, c, o, mod, idx):
    ec2 = c["ec2"]
    region = o["region"]
    vpcs = {v["VpcId"]: v for v in ec2.describe_vpcs(VpcIds=[o["vpc"], o["peer_vpc"]])["Vpcs"]}
    rts_all = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [o["vpc"], o["peer_vpc"]]}])["RouteTables"]
    sgs_all = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [o["vpc"], o["peer_vpc"]]}])["SecurityGroups"]
    acls_all = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [o["vpc"], o["peer_vpc"]]}])["NetworkAcls"]
    for key, vid in (("this", o["vpc"]), ("peer", o["peer_vpc"])):
        v = vpcs[vid]
        dns_s = ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsSupport")["EnableDnsSupport"]["Value"]
        dns_h = ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"]
        main = [r for r in rts_all if r["VpcId"] == vid and any(a.get("Main") for a in r["Associations"])][0]
        dsg = [s for s in sgs_all if s["VpcId"] == vid and s["GroupName"] == "default"][0]
        dacl = [a for a in acls_all if a["VpcId"] == vid and a["IsDefault"]][0]
        w.add("aws_vpc", key, {
            "arn": "arn:aws:ec2:%s:%s:vpc/%s" % (region, v["OwnerId"], vid),
            "assign_generated_ipv6_cidr_block": False, "cidr_block": v["CidrBlock"],
            "default_network_acl_id": dacl["NetworkAclId"], "default_route_table_id": main["RouteTableId"],
            "default_security_group_id": dsg["GroupId"], "dhcp_options_id": v.get("DhcpOptionsId", ""),
            "enable_dns_hostnames": dns_h, "enable_dns_support": dns_s,
            "enable_network_address_usage_metrics": False, "id": vid,
            "instance_tenancy": v["InstanceTenancy"], "ipv4_ipam_pool_id": None,
            "ipv4_netmask_length": None, "ipv6_association_id": "", "ipv6_cidr_block": "",
            "ipv6_cidr_block_network_border_group": "", "ipv6_ipam_pool_id": "",
            "ipv6_netmask_length": 0, "main_route_table_id": main["RouteTableId"],
            "owner_id": v["OwnerId"], "tags": tagmap(v.get("Tags")), "tags_all": tagmap(v.get("Tags"))},
            module=mod, schema_version=1)
    subnets = ec2.describe_subnets(SubnetIds=o["subnets"] + o.get("extra_subnets", []))["Subnets"]
    for sn in subnets:
        name = tagmap(sn.get("Tags")).get("Name", sn["SubnetId"]).split("-")[-1]
        w.add("aws_subnet", "this", {
            "arn": sn["SubnetArn"], "assign_ipv6_address_on_creation": sn["AssignIpv6AddressOnCreation"],
            "availability_zone": sn["AvailabilityZone"], "availability_zone_id": sn["AvailabilityZoneId"],
            "cidr_block": sn["CidrBlock"], "customer_owned_ipv4_pool": "", "enable_dns64": False,
            "enable_lni_at_device_index": 0, "enable_resource_name_dns_a_record_on_launch": False,
            "enable_resource_name_dns_aaaa_record_on_launch": False, "id": sn["SubnetId"],
            "ipv6_cidr_block": "", "ipv6_cidr_block_association_id": "", "ipv6_native": False,
            "map_customer_owned_ip_on_launch": False, "map_public_ip_on_launch": sn["MapPublicIpOnLaunch"],
            "outpost_arn": "", "owner_id": sn["OwnerId"], "private_dns_hostname_type_on_launch": "ip-name",
            "tags": tagmap(sn.get("Tags")), "tags_all": tagmap(sn.get("Tags")), "timeouts": None,
            "vpc_id": sn["VpcId"]}, module=mod, index_key=name, schema_version=1)
    igw = ec2.describe_internet_gateways(InternetGatewayIds=[o["igw"]])["InternetGateways"][0]
    w.add("aws_internet_gateway", "this", {
        "arn": "arn:aws:ec2:%s:%s:internet-gateway/%s" % (region, igw["OwnerId"], o["igw"]),
        "id": o["igw"], "owner_id": igw["OwnerId"], "tags": tagmap(igw.get("Tags")),
        "tags_all": tagmap(igw.get("Tags")), "timeouts": None, "vpc_id": o["vpc"]}, module=mod)
    eip = ec2.describe_addresses(AllocationIds=[o["eip"]])["Addresses"][0]
    w.add("aws_eip", "nat", {
        "address": None, "allocation_id": o["eip"], "associate_with_private_ip": None,
        "association_id": eip.get("AssociationId", ""), "carrier_ip": "", "customer_owned_ip": "",
        "customer_owned_ipv4_pool": "", "domain": "vpc", "id": o["eip"], "instance": "",
        "network_border_group": region, "network_interface": eip.get("NetworkInterfaceId", ""),
        "private_dns": None, "private_ip": eip.get("PrivateIpAddress", ""), "public_dns": None,
        "public_ip": eip["PublicIp"], "public_ipv4_pool": "amazon", "tags": tagmap(eip.get("Tags")),
        "tags_all": tagmap(eip.get("Tags")), "timeouts": None, "vpc": True}, module=mod)
    nat = ec2.describe_nat_gateways(NatGatewayIds=[o["nat"]])["NatGateways"][0]
    a0 = nat["NatGatewayAddresses"][0]
    w.add("aws_nat_gateway", "this", {
        "allocation_id": a0["AllocationId"], "association_id": a0.get("AssociationId", ""),
        "connectivity_type": "public", "id": o["nat"], "network_interface_id": a0["NetworkInterfaceId"],
        "private_ip": a0["PrivateIp"], "public_ip": a0["PublicIp"], "secondary_allocation_ids": [],
        "secondary_private_ip_address_count": 0, "secondary_private_ip_addresses": [],
        "subnet_id": nat["SubnetId"], "tags": tagmap(nat.get("Tags")), "tags_all": tagmap(nat.get("Tags")),
        "timeouts": None}, module=mod)
    # route tables: public with an inline route; private with aws_route resources; main + main assoc
    rts = {r["RouteTableId"]: r for r in rts_all}
    for key in ("public", "private", "main"):
        rt = rts[o["rt_" + key]]
        routes = [r for r in rt["Routes"] if r.get("GatewayId") != "local"
                  and not (r.get("DestinationPrefixListId") and r.get("GatewayId", "").startswith("vpce-"))]
        inline = [_route_attrs(r) for r in routes] if key == "public" else []
        w.add("aws_route_table", key, {
            "arn": "arn:aws:ec2:%s:%s:route-table/%s" % (region, rt["OwnerId"], rt["RouteTableId"]),
            "id": rt["RouteTableId"], "owner_id": rt["OwnerId"], "propagating_vgws": [],
            "route": inline, "tags": tagmap(rt.get("Tags")), "tags_all": tagmap(rt.get("Tags")),
            "timeouts": None, "vpc_id": rt["VpcId"]}, module=mod)
        if key == "private":
            for r in routes:
                dest = r["DestinationCidrBlock"]
                a = _route_attrs(r)
                a.update({"destination_cidr_block": dest, "destination_ipv6_cidr_block": "",
                          "id": "r-%s%d" % (rt["RouteTableId"], abs(hash(dest)) % 10**10),
                          "instance_id": "", "instance_owner_id": "", "origin": "CreateRoute",
                          "route_table_id": rt["RouteTableId"], "state": "active", "timeouts": None})
                for k in ("cidr_block", "ipv6_cidr_block"):
                    a.pop(k)
                a["destination_prefix_list_id"] = ""
                w.add("aws_route", "nat" if r.get("NatGatewayId") else "peer", a, module=mod)
    for key in ("public", "private"):
        w.add("aws_route_table_association", key, {
            "gateway_id": "", "id": o["assoc_" + key], "route_table_id": o["rt_" + key],
            "subnet_id": o["subnets"][0 if key == "public" else 1], "timeouts": None}, module=mod)
    w.add("aws_main_route_table_association", "this", {
        "id": o["main_assoc"], "original_route_table_id": o["rt_default"],
        "route_table_id": o["rt_main"], "timeouts": None, "vpc_id": o["vpc"]}, module=mod)
    pcx = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[o["pcx"]])["VpcPeeringConnections"][0]
    w.add("aws_vpc_peering_connection", "this", {
        "accept_status": pcx["Status"]["Code"],
        "accepter": [{"allow_remote_vpc_dns_resolution": False}], "auto_accept": None,
        "id": o["pcx"], "peer_owner_id": pcx["AccepterVpcInfo"]["OwnerId"],
        "peer_region": pcx["AccepterVpcInfo"]["Region"], "peer_vpc_id": o["peer_vpc"],
        "requester": [{"allow_remote_vpc_dns_resolution": False}], "tags": tagmap(pcx.get("Tags")),
        "tags_all": tagmap(pcx.get("Tags")), "timeouts": None, "vpc_id": o["vpc"]}, module=mod)
    # security groups: web inline; app as aws_security_group_rule; db as aws_vpc_security_group_*_rule
    sgs = {s["GroupId"]: s for s in sgs_all}
    for key in ("web", "app", "db"):
        sg = sgs[o["sg_" + key]]
        inline = key == "web"
        w.add("aws_security_group", key, {
            "arn": "arn:aws:ec2:%s:%s:security-group/%s" % (region, sg["OwnerId"], sg["GroupId"]),
            "description": sg["Description"], "id": sg["GroupId"],
            "egress": sg_blocks(sg["IpPermissionsEgress"], sg["GroupId"], sg["OwnerId"]) if inline else [],
            "ingress": sg_blocks(sg["IpPermissions"], sg["GroupId"], sg["OwnerId"]) if inline else [],
            "name": sg["GroupName"], "name_prefix": "", "owner_id": sg["OwnerId"],
            "revoke_rules_on_delete": False, "tags": tagmap(sg.get("Tags")),
            "tags_all": tagmap(sg.get("Tags")), "timeouts": None, "vpc_id": sg["VpcId"]},
            module=mod, schema_version=1)
    sgr = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [o["sg_app"], o["sg_db"]]}])["SecurityGroupRules"]
    n = 0
    for r in sgr:
        if r["GroupId"] != o["sg_app"]:
            continue
        n += 1
        ref = r.get("ReferencedGroupInfo", {}).get("GroupId")
        w.add("aws_security_group_rule", "app_%d" % n, {
            "cidr_blocks": [r["CidrIpv4"]] if r.get("CidrIpv4") else None,
            "description": r.get("Description") or None, "from_port": r["FromPort"] if r["IpProtocol"] != "-1" else 0,
            "id": "sgrule-%d" % (1000000 + n), "ipv6_cidr_blocks": None, "prefix_list_ids": None,
            "protocol": r["IpProtocol"], "security_group_id": r["GroupId"],
            "security_group_rule_id": r["SecurityGroupRuleId"], "self": False,
            "source_security_group_id": ref, "timeouts": None,
            "to_port": r["ToPort"] if r["IpProtocol"] != "-1" else 0,
            "type": "egress" if r["IsEgress"] else "ingress"}, module=mod, schema_version=2)
    n = 0
    for r in sgr:
        if r["GroupId"] != o["sg_db"]:
            continue
        n += 1
        ref = r.get("ReferencedGroupInfo", {}).get("GroupId")
        allp = r["IpProtocol"] == "-1"
        w.add("aws_vpc_security_group_%s_rule" % ("egress" if r["IsEgress"] else "ingress"), "db_%d" % n, {
            "arn": "arn:aws:ec2:%s:%s:security-group-rule/%s" % (region, ACCOUNT, r["SecurityGroupRuleId"]),
            "cidr_ipv4": r.get("CidrIpv4"), "cidr_ipv6": None, "description": r.get("Description") or None,
            "from_port": None if allp else r["FromPort"], "id": r["SecurityGroupRuleId"],
            "ip_protocol": r["IpProtocol"], "prefix_list_id": None, "referenced_security_group_id": ref,
            "security_group_id": r["GroupId"], "security_group_rule_id": r["SecurityGroupRuleId"],
            "tags": None, "tags_all": {}, "to_port": None if allp else r["ToPort"]}, module=mod)
    # NACL: inline rules; subnets inline in the first region, as aws_network_acl_association in the second
    acl = [a for a in acls_all if a["NetworkAclId"] == o["acl"]][0]

    def entries(egress):
        out = []
        for e in acl["Entries"]:
            if e["Egress"] != egress or e["RuleNumber"] >= 32767:
                continue
            out.append({"action": e["RuleAction"], "cidr_block": e.get("CidrBlock", ""),
                        "from_port": e.get("PortRange", {}).get("From", 0), "icmp_code": 0, "icmp_type": 0,
                        "ipv6_cidr_block": "", "protocol": e["Protocol"], "rule_no": e["RuleNumber"],
                        "to_port": e.get("PortRange", {}).get("To", 0)})
        return out
    subnet_ids = [a["SubnetId"] for a in acl["Associations"]]
    w.add("aws_network_acl", "private", {
        "arn": "arn:aws:ec2:%s:%s:network-acl/%s" % (region, acl["OwnerId"], o["acl"]),
        "egress": entries(True), "id": o["acl"], "ingress": entries(False), "owner_id": acl["OwnerId"],
        "subnet_ids": subnet_ids if idx == 0 else [], "tags": tagmap(acl.get("Tags")),
        "tags_all": tagmap(acl.get("Tags")), "vpc_id": o["vpc"]}, module=mod)
    if idx != 0:
        for a in acl["Associations"]:
            w.add("aws_network_acl_association", "private", {
                "id": a["NetworkAclAssociationId"], "network_acl_id": o["acl"],
                "subnet_id": a["SubnetId"]}, module=mod)
    fl = ec2.describe_flow_logs(FlowLogIds=[o["flow_log"]])["FlowLogs"][0]
    w.add("aws_flow_log", "this", {
        "arn": "arn:aws:ec2:%s:%s:vpc-flow-log/%s" % (region, ACCOUNT, o["flow_log"]),
        "deliver_cross_account_role": "", "destination_options": [], "eni_id": None,
        "iam_role_arn": fl["DeliverLogsPermissionArn"], "id": o["flow_log"],
        "log_destination": "arn:aws:logs:%s:%s:log-group:%s" % (region, ACCOUNT, fl["LogGroupName"]),
        "log_destination_type": "cloud-watch-logs", "log_format": fl["LogFormat"],
        "log_group_name": fl["LogGroupName"], "max_aggregation_interval": fl["MaxAggregationInterval"],
        "subnet_id": None, "tags": tagmap(fl.get("Tags")), "tags_all": tagmap(fl.get("Tags")),
        "traffic_type": fl["TrafficType"], "transit_gateway_attachment_id": None,
        "transit_gateway_id": None, "vpc_id": o["vpc"]}, module=mod)
    ep = ec2.describe_vpc_endpoints(VpcEndpointIds=[o["vpce"]])["VpcEndpoints"][0]
    w.add("aws_vpc_endpoint", "s3", {
        "arn": "arn:aws:ec2:%s:%s:vpc-endpoint/%s" % (region, ep["OwnerId"], o["vpce"]),
        "auto_accept": None, "cidr_blocks": [], "dns_entry": [], "dns_options": [], "id": o["vpce"],
        "ip_address_type": "", "network_interface_ids": [], "owner_id": ep["OwnerId"],
        "policy": ep.get("PolicyDocument", ""), "prefix_list_id": None,
        "private_dns_enabled": ep.get("PrivateDnsEnabled", False),
        "requester_managed": False, "route_table_ids": ep["RouteTableIds"], "security_group_ids": [],
        "service_name": ep["ServiceName"], "state": ep["State"], "subnet_ids": [],
        "tags": tagmap(ep.get("Tags")), "tags_all": tagmap(ep.get("Tags")), "timeouts": None,
        "vpc_endpoint_type": ep["VpcEndpointType"], "vpc_id": o["vpc"]}, module=mod)
    if "eks" in o:
        cl = c["eks"].describe_cluster(name=o["eks"])["cluster"]
        vc = cl["resourcesVpcConfig"]
        logs = [t for x in cl["logging"]["clusterLogging"] if x.get("enabled") for t in x["types"]]
        w.add("aws_eks_cluster", "this", {
            "access_config": [], "arn": cl["arn"], "bootstrap_self_managed_addons": True,
            "certificate_authority": [{"data": cl["certificateAuthority"]["data"]}],
            "cluster_id": None, "created_at": "2026-11-23 10:00:00 +0000 UTC",
            "enabled_cluster_log_types": logs, "encryption_config": [], "endpoint": cl["endpoint"],
            "id": cl["name"], "identity": [{"oidc": [{"issuer": cl["identity"]["oidc"]["issuer"]}]}],
            "kubernetes_network_config": [{"elastic_load_balancing": [], "ip_family": "ipv4",
                                           "service_ipv4_cidr": cl["kubernetesNetworkConfig"]["serviceIpv4Cidr"],
                                           "service_ipv6_cidr": ""}],
            "name": cl["name"], "outpost_config": [], "platform_version": cl["platformVersion"],
            "role_arn": cl["roleArn"], "status": cl["status"], "tags": cl.get("tags", {}),
            "tags_all": cl.get("tags", {}), "timeouts": None, "upgrade_policy": [],
            "version": cl["version"],
            "vpc_config": [{"cluster_security_group_id": "", "endpoint_private_access": vc["endpointPrivateAccess"],
                            "endpoint_public_access": vc["endpointPublicAccess"],
                            "public_access_cidrs": vc.get("publicAccessCidrs", []),
                            "security_group_ids": vc["securityGroupIds"], "subnet_ids": vc["subnetIds"],
                            "vpc_id": ""}],
            "zonal_shift_config": []}, module=mod, schema_version=1)
        ng = c["eks"].describe_nodegroup(clusterName=o["eks"], nodegroupName=o["nodegroup"])["nodegroup"]
        sc = ng["scalingConfig"]
        w.add("aws_eks_node_group", "default", {
            "ami_type": ng["amiType"], "arn": ng["nodegroupArn"], "capacity_type": ng["capacityType"],
            "cluster_name": o["eks"], "disk_size": ng["diskSize"], "force_update_version": None,
            "id": "%s:%s" % (o["eks"], o["nodegroup"]), "instance_types": ng["instanceTypes"],
            "labels": ng.get("labels", {}), "launch_template": [], "node_group_name": o["nodegroup"],
            "node_group_name_prefix": "", "node_repair_config": [], "node_role_arn": ng["nodeRole"],
            "release_version": ng["releaseVersion"], "remote_access": [],
            "resources": [{"autoscaling_groups": [{"name": g["name"]} for g in ng["resources"]["autoScalingGroups"]],
                           "remote_access_security_group_id": ""}],
            "scaling_config": [{"desired_size": sc["desiredSize"], "max_size": sc["maxSize"],
                                "min_size": sc["minSize"]}],
            "status": ng["status"], "subnet_ids": ng["subnets"], "tags": ng.get("tags", {}),
            "tags_all": ng.get("tags", {}), "taint": [], "timeouts": None, "update_config": [],
            "version": ng["version"]}, module=mod)
    return w


# ----------------------------------------------------------------- git -----

def build_two_region_estate(moto, regions, seed, eks_prefix, repo, relpath="envs/prod.tfstate"):
    """The standard estate of the emulator tests: IAM (roles, policies, users, groups) and a
    region estate in each of regions, its state committed to repo at relpath.
    Returns (clients per region, iam ids, user/group names, region estates, state document)."""
    moto.reset(seed=seed)
    cs = {r: clients(moto.url, r) for r in regions}
    iam = build_iam(cs[regions[0]])
    users = build_iam_users(cs[regions[0]], iam)
    ests = {}
    for i, r in enumerate(regions):
        ests[r] = build_region(cs[r], r, iam, cidr2="10.%d" % (i * 2),
                               eks_name="%s-%s" % (eks_prefix, r))
    doc = write_iam_users(write_state(cs, iam, ests), cs[regions[0]], iam, users).document()
    commit_state(repo, relpath, doc)
    return cs, iam, users, ests, doc


def commit_state(repo, relpath, doc):
    """Commit a state document at relpath on branch main of a new or existing repo."""
    import subprocess as sp
    os.makedirs(os.path.join(repo, os.path.dirname(relpath)), exist_ok=True)
    if not os.path.isdir(os.path.join(repo, ".git")):
        sp.run(["git", "init", "-q", "-b", "main", repo], check=True)
    with open(os.path.join(repo, relpath), "w") as f:
        json.dump(doc, f, indent=2)
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    sp.run(["git", "-C", repo, "add", relpath], check=True, env=env)
    sp.run(["git", "-C", repo, "commit", "-q", "-m", "state"], check=True, env=env)
