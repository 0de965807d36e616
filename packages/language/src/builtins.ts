/**
 * The built-in library: the task types of the seed guide, with the defaults its configurations
 * give (timeouts, required capabilities, output formats, quality checks, parameters). It is a
 * real `.flow` document, loaded into every workspace, so hover, go to definition and the
 * validator treat built-in and custom types alike.
 */
export const BUILTIN_URI = 'flow-builtin:///builtins.flow';

export const BUILTIN_LIBRARY = `/** Information gathering and analysis. */
type research {
  timeout 10m
  requires web_search, document_analysis
  output structured_report
  checks fact_verification, source_citation
  parameters { depth: ["basic", "standard", "comprehensive"], sources: ["web", "academic", "industry", "internal"], format: ["summary", "detailed", "analysis"] }
}

/** Data analysis and insight generation. */
type analysis {
  timeout 15m
  requires data_analysis, statistical_modeling
  output analytical_report
  checks statistical_validity, visualization_clarity
  parameters { methods: ["descriptive", "predictive", "prescriptive"], visualizations: ["charts", "graphs", "dashboards"], metrics: ["standard", "custom", "comparative"] }
}

/** Code development and system implementation. */
type implementation {
  timeout 30m
  requires code_generation, testing, documentation
  output code_package
  checks syntax_validation, test_coverage, security_scan
  parameters { languages: ["typescript", "python", "rust", "go"], frameworks: ["express", "fastapi", "actix", "gin"], testing: ["unit", "integration", "e2e"] }
}

/** Project management and coordination. */
type coordination {
  timeout 30m
  requires coordination
}

/** Product and system design. */
type design {
  timeout 30m
  requires design
}

/** Review and editing of work products. */
type review {
  timeout 30m
  requires review
}

/** Verification of work products. */
type testing {
  timeout 30m
  requires testing
}

/** Planning and strategy. */
type planning {
  timeout 30m
  requires planning
}
`;
