# ECS Fargate: the gateway container plus an ADOT collector sidecar that scrapes the gateway's
# Prometheus /metrics and publishes gateway_active_calls to CloudWatch (EMF), for autoscaling.
#
# Sizing, from the capacity bench in README.md ("Measured figures", 2 cores, no GPU, 4 calls per run):
#   1 call at a time : end of speech -> first bot audio p50 0.77-0.79 s, p95 0.85-0.87 s
#   4 calls at once  : p50 1.15 s, p95 1.84 s (over the 1.5 s p95 target; STT and TTS compete for the cores)
# So a task is the bench machine, 2 vCPU (task_cpu = 2048), with 4 GiB (Fargate's minimum for
# 2 vCPU; a loaded gateway holds ~430 MiB), hard-capped at 4 calls (MAX_CONCURRENT_CALLS, the most
# the bench ran), and the service scales out when tasks average more than 2 calls
# (target_calls_per_task), so most calls run where p95 stays under the target.
#
# Stopping a task (deploy, scale-in): ECS first deregisters it from the target group and waits the
# deregistration delay (drain_timeout_secs = 600 s): the ALB sends it no new webhook or stream while
# its open WebSockets carry on. Only then ECS sends SIGTERM (STOPSIGNAL) and, stop_timeout_secs
# (120 s, Fargate's maximum) later, SIGKILL; the gateway's own DRAIN_TIMEOUT_SECS is set inside that
# window so a call still open then hears the goodbye before the kill.

locals {
  readiness_path = "/health/ready"
  image          = "${aws_ecr_repository.gateway.repository_url}:${var.image_tag}"
  metrics_ns     = "VoiceGateway"

  gateway_environment = merge({
    PROFILE              = var.profile
    PUBLIC_HOST          = var.public_host
    HOST                 = "0.0.0.0"
    PORT                 = tostring(local.container_port)
    MAX_CONCURRENT_CALLS = tostring(var.max_calls_per_task)
    DRAIN_TIMEOUT_SECS   = tostring(max(var.stop_timeout_secs - 15, 0))
    LOG_FORMAT           = "json" # one JSON object per line for CloudWatch Logs Insights, call_sid on each
  }, var.environment)

  # Every credential, by ARN: the container sees them as environment variables, but the task
  # definition (and `aws ecs describe-task-definition`) holds only the ARNs.
  gateway_secrets = concat(
    [for env, _ in local.injected_vendor_secrets : { name = env, valueFrom = aws_secretsmanager_secret.vendor[env].arn }],
    [{ name = "REDIS_URL", valueFrom = aws_secretsmanager_secret.redis_url.arn }],
  )
  secret_arns = [for s in local.gateway_secrets : s.valueFrom]

  adot_config = yamlencode({
    receivers = {
      prometheus = {
        config = {
          scrape_configs = [{
            job_name        = "gateway"
            scrape_interval = "30s"
            static_configs = [{
              targets = ["localhost:${local.container_port}"]
              labels  = { ClusterName = var.name, ServiceName = var.name }
            }]
            metric_relabel_configs = [{ source_labels = ["__name__"], regex = "gateway_active_calls", action = "keep" }]
          }]
        }
      }
    }
    exporters = {
      awsemf = {
        namespace               = local.metrics_ns
        log_group_name          = aws_cloudwatch_log_group.metrics.name
        region                  = var.region
        dimension_rollup_option = "NoDimensionRollup"
        metric_declarations     = [{ dimensions = [["ClusterName", "ServiceName"]], metric_name_selectors = ["gateway_active_calls"] }]
      }
    }
    service = { pipelines = { metrics = { receivers = ["prometheus"], exporters = ["awsemf"] } } }
  })
}

resource "aws_ecr_repository" "gateway" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.main.arn
  }
}

resource "aws_ecr_lifecycle_policy" "gateway" {
  repository = aws_ecr_repository.gateway.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 20 newest images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 20 }
      action       = { type = "expire" }
    }]
  })
}

resource "aws_cloudwatch_log_group" "gateway" {
  #checkov:skip=CKV_AWS_338:Call logs carry caller phone numbers and call SIDs; retention is kept short on purpose (log_retention_days, default 90) rather than a year.
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_cloudwatch_log_group" "metrics" {
  #checkov:skip=CKV_AWS_338:Embedded-metric-format records only feed CloudWatch metrics, which keep their own 15-month history; a year of the raw records would be paid twice.
  name              = "/ecs/${var.name}/metrics"
  retention_in_days = 7
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_ecs_cluster" "main" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_task_definition" "gateway" {
  family                   = var.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # The root filesystem is read-only (models in /opt/models are baked in); /tmp is scratch.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = "gateway"
      image                  = local.image
      essential              = true
      user                   = "10001:10001"
      readonlyRootFilesystem = true
      privileged             = false
      stopTimeout            = var.stop_timeout_secs
      portMappings           = [{ containerPort = local.container_port, protocol = "tcp" }]
      environment            = [for k in sort(keys(local.gateway_environment)) : { name = k, value = local.gateway_environment[k] }]
      secrets                = local.gateway_secrets
      mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
      linuxParameters        = { initProcessEnabled = true }
      # Liveness only (/health/live): readiness turns 503 while draining, and ECS replaces unhealthy tasks.
      healthCheck = {
        command     = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${local.container_port}/health/live', timeout=4)"]
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 120
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.gateway.name
          awslogs-region        = var.region
          awslogs-stream-prefix = "gateway"
        }
      }
    },
    {
      name                   = "adot-collector"
      image                  = var.adot_image
      essential              = false
      readonlyRootFilesystem = true
      privileged             = false
      cpu                    = 128
      memory                 = 256
      environment            = [{ name = "AOT_CONFIG_CONTENT", value = local.adot_config }]
      dependsOn              = [{ containerName = "gateway", condition = "START" }]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.gateway.name
          awslogs-region        = var.region
          awslogs-stream-prefix = "adot"
        }
      }
    },
  ])
}

resource "aws_ecs_service" "gateway" {
  name                               = var.name
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.gateway.arn
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  desired_count                      = var.min_tasks
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 180 # models load at start-up; /health/ready is 503 until then
  enable_execute_command             = false
  propagate_tags                     = "SERVICE"

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.gateway.arn
    container_name   = "gateway"
    container_port   = local.container_port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  lifecycle {
    ignore_changes = [desired_count] # owned by autoscaling
  }

  depends_on = [aws_lb_listener.https]
}

# --- autoscaling: active calls per task, and CPU ------------------------------------------

resource "aws_appautoscaling_target" "gateway" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${aws_ecs_service.gateway.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_tasks
  max_capacity       = var.max_tasks
}

# Every task's sidecar publishes one gateway_active_calls datapoint per scrape under the same
# ClusterName/ServiceName dimensions, so their Average is the active calls per task.
resource "aws_appautoscaling_policy" "calls" {
  name               = "${var.name}-active-calls"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.gateway.service_namespace
  resource_id        = aws_appautoscaling_target.gateway.resource_id
  scalable_dimension = aws_appautoscaling_target.gateway.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.target_calls_per_task
    scale_out_cooldown = 60
    scale_in_cooldown  = 300

    customized_metric_specification {
      metric_name = "gateway_active_calls"
      namespace   = local.metrics_ns
      statistic   = "Average"

      dimensions {
        name  = "ClusterName"
        value = var.name
      }
      dimensions {
        name  = "ServiceName"
        value = var.name
      }
    }
  }
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.gateway.service_namespace
  resource_id        = aws_appautoscaling_target.gateway.resource_id
  scalable_dimension = aws_appautoscaling_target.gateway.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.target_cpu_percent
    scale_out_cooldown = 60
    scale_in_cooldown  = 300

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
