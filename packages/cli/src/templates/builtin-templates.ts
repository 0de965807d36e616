import contentPipeline from '../../templates/content_pipeline.flow';
import dataPipeline from '../../templates/data_pipeline.flow';
import productLaunch from '../../templates/product_launch.flow';
import researchAnalysis from '../../templates/research_analysis.flow';

/** A template that ships with flowctl: one `template workflow` per file, declaring all it uses. */
export interface BuiltinTemplateFile {
    /** The template's name, which is also its file's under packages/cli/templates/. */
    name: string;
    text: string;
}

export const BUILTIN_TEMPLATE_FILES: readonly BuiltinTemplateFile[] = [
    { name: 'content_pipeline', text: contentPipeline },
    { name: 'data_pipeline', text: dataPipeline },
    { name: 'product_launch', text: productLaunch },
    { name: 'research_analysis', text: researchAnalysis }
];
