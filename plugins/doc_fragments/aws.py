# -*- coding: utf-8 -*-
# Copyright: contributors to the anycast.network collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # AWS connection options shared by the collection's AWS modules.
    DOCUMENTATION = r"""
options:
  endpoint_url:
    description:
      - URL of the Route53 API endpoint, for an emulator such as moto or a proxy.
      - When not set, the first of the environment variables E(AWS_ENDPOINT_URL_ROUTE53),
        E(AWS_ENDPOINT_URL_ROUTE_53) and E(AWS_ENDPOINT_URL) that is set; otherwise AWS itself.
    type: str
  profile:
    description:
      - Named profile of the AWS shared configuration and credentials files.
      - When neither O(profile) nor O(access_key) is given, boto3 finds credentials through its usual chain
        (E(AWS_ACCESS_KEY_ID)/E(AWS_SECRET_ACCESS_KEY), E(AWS_PROFILE), the shared files, SSO,
        instance or container roles).
    type: str
    aliases: [aws_profile]
  access_key:
    description:
      - AWS access key ID. Prefer the environment or a profile; never written to output or logs.
    type: str
    aliases: [aws_access_key_id]
  secret_key:
    description:
      - AWS secret access key. Prefer the environment or a profile; never written to output or logs.
    type: str
    aliases: [aws_secret_access_key]
  session_token:
    description:
      - AWS session token for temporary credentials; never written to output or logs.
    type: str
    aliases: [aws_session_token]
  region:
    description:
      - Region used to sign requests. Route53 is a global service served from us-east-1.
    type: str
    default: us-east-1
  max_attempts:
    description:
      - Attempts per API call in botocore's standard retry mode (throttling, PriorRequestNotComplete, 5xx and
        connection errors, with exponential backoff). Throttling that outlasts them is retried a few more times
        by the module.
    type: int
    default: 10
  validate_certs:
    description:
      - Verify the TLS certificate of the endpoint.
    type: bool
    default: true
requirements:
  - boto3 >= 1.34
notes:
  - Route53 is a global service; changes can take up to a minute to reach all of its name servers, which is why
    the module waits for INSYNC by default.
"""
