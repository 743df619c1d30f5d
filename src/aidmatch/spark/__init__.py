"""The declared stages on Apache Spark: the same SQL, rewritten for Spark's dialect
(:mod:`aidmatch.spark.dialect`), run by :class:`aidmatch.spark.steps.SparkSteps`."""
