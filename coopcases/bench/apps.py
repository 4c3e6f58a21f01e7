from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "coopcases.bench"
    label = "bench"
    verbose_name = "Benchmarks"
