# One customer-managed KMS key encrypts the secrets, the log groups, Redis at rest and the image
# repository. Vendor credentials live in Secrets Manager and reach the container only through the
# task definition's `secrets` (never `environment`); terraform creates the secret containers, the
# operator puts the values (terraform/README.md, "Apply"), so no credential is in terraform state
# except the Redis auth token it generates.

locals {
  # Environment variable names the gateway reads (.env.example); each secret is named
  # "<name>/<lower-case name with hyphens>", e.g. voice-gateway/twilio-auth-token.
  vendor_secret_envs = [
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "GATEWAY_API_KEYS",
    "OPENAI_API_KEY",
    "DEEPGRAM_API_KEY",
    "CARTESIA_API_KEY",
    "LLM_API_KEY",
    "AMADEUS_CLIENT_ID",
    "AMADEUS_CLIENT_SECRET",
    "SERPAPI_API_KEY",
    # HMAC key for logged API-key ids: one value across tasks so their logs agree.
    "KEY_ID_SECRET",
  ]
  vendor_secrets          = { for env in local.vendor_secret_envs : env => lower(replace(env, "_", "-")) }
  injected_vendor_secrets = { for k, v in local.vendor_secrets : k => v if contains(var.injected_secrets, k) }
  account_id              = data.aws_caller_identity.current.account_id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:This is a KMS key policy: "*" there means this key only, and kms:* for the account root is AWS's default statement that hands access control to IAM policies.
  #checkov:skip=CKV_AWS_111:As above: a key policy's "*" resource is the key itself.
  #checkov:skip=CKV_AWS_356:As above: a key policy's "*" resource is the key itself.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsEncrypts"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${var.region}:${local.account_id}:log-group:/ecs/${var.name}*"]
    }
  }
}

resource "aws_kms_key" "main" {
  description             = "${var.name}: secrets, logs, Redis at rest, images"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "main" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.main.key_id
}

resource "aws_secretsmanager_secret" "vendor" {
  #checkov:skip=CKV2_AWS_57:Vendor API keys (Twilio, OpenAI, ...) are rotated in each vendor's console, which no rotation Lambda can drive; GATEWAY_API_KEYS takes two comma-separated keys so it can be rotated without downtime.
  for_each                = local.vendor_secrets
  name                    = "${var.name}/${each.value}"
  description             = "${each.key} for the ${var.name} gateway (value put by the operator)"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 7
}

# REDIS_URL carries the generated auth token, so it is a secret too.
resource "random_password" "redis_auth" {
  length  = 64
  special = false # ElastiCache AUTH tokens allow only some printable characters; alphanumerics are safe
}

resource "aws_secretsmanager_secret" "redis_url" {
  #checkov:skip=CKV2_AWS_57:The Redis AUTH token is rotated with ElastiCache's ROTATE auth-token strategy (change random_password, apply), not by a Lambda.
  name                    = "${var.name}/redis-url"
  description             = "REDIS_URL (rediss://, with the AUTH token) for the ${var.name} gateway"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "redis_url" {
  secret_id     = aws_secretsmanager_secret.redis_url.id
  secret_string = "rediss://:${random_password.redis_auth.result}@${aws_elasticache_replication_group.redis.primary_endpoint_address}:6379/0"
}
