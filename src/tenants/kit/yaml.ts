// CloudFormation YAML. Date-like versions are quoted: a YAML 1.1 reader would take an
// unquoted 2010-09-09 for a timestamp, and CloudFormation wants the string.
import { stringify } from 'yaml';

export const cfnYaml = (template: unknown) =>
  stringify(template, { lineWidth: 0 }).replace(/^(\s*(?:AWSTemplateFormatVersion|Version)): (\d{4}-\d{2}-\d{2})$/gm, '$1: "$2"');
