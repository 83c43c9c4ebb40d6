# Inputs. terraform/README.md lists them with their meaning; terraform.tfvars.example shows a set.

variable "name" {
  description = "Name prefix of every resource (letters, digits, hyphens)."
  type        = string
  default     = "voice-gateway"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

# --- network (an existing VPC) -------------------------------------------------------------

variable "vpc_id" {
  description = "VPC to run in."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets (two or more AZs) for the internet-facing ALB."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Private subnets (two or more AZs) for the tasks and Redis; they need a NAT route to reach ECR and the vendors' APIs."
  type        = list(string)
}

# --- edge ------------------------------------------------------------------------------

variable "certificate_arn" {
  description = "ACM certificate ARN for public_host, used by the HTTPS listener (Twilio requires https/wss)."
  type        = string
}

variable "public_host" {
  description = "Host name Twilio reaches (PUBLIC_HOST): a DNS name pointing at the ALB, covered by certificate_arn."
  type        = string
}

variable "alb_ingress_cidrs" {
  description = "CIDRs allowed to reach the HTTPS listener. Twilio webhooks and Media Streams come from Twilio's changing public ranges, so the default is the internet; every route is signature- or key-checked."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "alb_access_logs_bucket" {
  description = "Existing S3 bucket (with the ELB log-delivery bucket policy) for ALB access logs."
  type        = string
}

variable "alb_idle_timeout_secs" {
  description = "ALB idle timeout (s): the longest a connection may carry no data before the ALB closes it. Media Streams send audio every 20 ms, so only a stalled stream comes near it; calls last minutes, so keep it long (4000 is the ALB maximum)."
  type        = number
  default     = 3600
}

# --- service ---------------------------------------------------------------------------

variable "image_tag" {
  description = "Tag of the gateway image in the ECR repository this module creates (immutable tags)."
  type        = string
}

variable "profile" {
  description = "Gateway PROFILE (local | realtime | cascade); the image must be built with the same PROFILE_EXTRAS."
  type        = string
  default     = "local"
}

variable "task_cpu" {
  description = "Task CPU units. 2048 = 2 vCPU, the machine the capacity bench ran on (README, 'Measured figures')."
  type        = number
  default     = 2048
}

variable "task_memory" {
  description = "Task memory (MiB). 4096 is Fargate's minimum for 2 vCPU; a loaded local-profile gateway holds about 430 MiB before calls."
  type        = number
  default     = 4096
}

variable "max_calls_per_task" {
  description = "MAX_CONCURRENT_CALLS per task: calls beyond it hear 'all our lines are busy'."
  type        = number
  default     = 4
}

variable "target_calls_per_task" {
  description = "Autoscaling target: average active calls per task (gateway_active_calls)."
  type        = number
  default     = 2
}

variable "target_cpu_percent" {
  description = "Autoscaling target: average CPU utilisation of the service (%)."
  type        = number
  default     = 60
}

variable "min_tasks" {
  description = "Fewest running tasks."
  type        = number
  default     = 1
}

variable "max_tasks" {
  description = "Most running tasks. Above 1 the tasks must share call state (REDIS_URL; see README 'Scale-out')."
  type        = number
  default     = 10
}

variable "drain_timeout_secs" {
  description = "How long a stopping task keeps its calls (s): the ALB deregistration delay, and DRAIN_TIMEOUT_SECS for the gateway."
  type        = number
  default     = 600

  validation {
    condition     = var.drain_timeout_secs >= 0 && var.drain_timeout_secs <= 3600
    error_message = "drain_timeout_secs must be 0-3600 (the ALB deregistration delay's range)."
  }
}

variable "stop_timeout_secs" {
  description = "SIGTERM to SIGKILL (s) when ECS stops the container; 120 is Fargate's maximum. Calls still open after the deregistration delay get this long to say goodbye."
  type        = number
  default     = 120
}

variable "environment" {
  description = "Extra plain (non-secret) environment variables for the gateway, e.g. { DEFAULT_LANGUAGE = \"es\" }."
  type        = map(string)
  default     = {}

  validation {
    # Credentials go through Secrets Manager (secrets.tf), never the plain environment.
    condition = length(setintersection(keys(var.environment), [
      "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "GATEWAY_API_KEYS", "OPENAI_API_KEY", "DEEPGRAM_API_KEY",
      "CARTESIA_API_KEY", "LLM_API_KEY", "AMADEUS_CLIENT_ID", "AMADEUS_CLIENT_SECRET", "SERPAPI_API_KEY", "KEY_ID_SECRET",
      "REDIS_URL",
    ])) == 0
    error_message = "environment must not carry credentials: they are injected from Secrets Manager (secrets.tf)."
  }
}

variable "injected_secrets" {
  description = "Which of the Secrets Manager secrets this module creates are injected into the task (environment variable names). Put a value in each before the first deployment: a task cannot start with an empty secret."
  type        = list(string)
  default     = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "GATEWAY_API_KEYS"]
}

variable "log_retention_days" {
  description = "CloudWatch log retention (days). Call logs carry caller phone numbers: keep it as short as operations allow."
  type        = number
  default     = 90
}

variable "adot_image" {
  description = "AWS Distro for OpenTelemetry collector image (the sidecar that turns /metrics into CloudWatch metrics)."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1"
}

# --- Redis -----------------------------------------------------------------------------

variable "redis_node_type" {
  description = "ElastiCache node type; the call state is small (tokens, registry, rate limits)."
  type        = string
  default     = "cache.t4g.small"
}

variable "redis_replicas" {
  description = "Read replicas besides the primary, in other AZs (Multi-AZ automatic failover needs at least 1)."
  type        = number
  default     = 1

  validation {
    condition     = var.redis_replicas >= 1 && var.redis_replicas <= 5
    error_message = "redis_replicas must be 1-5: automatic failover needs a replica."
  }
}
